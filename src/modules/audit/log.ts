import type { Db } from '../../platform/db';
import { queryStream } from '../../platform/dbStream';

/** What the audit log page narrows to; every filter is optional. Dates are days in the workspace's zone. */
export type AuditFilters = { actor?: string; action?: string; from?: string; to?: string };

export type AuditRow = {
  id: string;
  at: Date;
  /** The row's sort key as PostgreSQL wrote it (microseconds kept): the next page's cursor. */
  atKey: string;
  actorUserId: string | null;
  actorName: string | null;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
  ip: string | null;
};

export const PAGE_SIZE = 50;

/** The page's cursor: the last row's (at, id), opaque in the URL. A mangled one is the first page. */
export const encodeAuditCursor = (row: Pick<AuditRow, 'atKey' | 'id'>) =>
  Buffer.from(JSON.stringify([row.atKey, row.id])).toString('base64url');
export function decodeAuditCursor(cursor: unknown): { at: string; id: string } | undefined {
  if (typeof cursor !== 'string' || !cursor || cursor.length > 200) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && /^\d{1,18}$/.test(id))
      return { at, id };
  } catch {
    // Not ours: the first page.
  }
  return undefined;
}

/**
 * One WHERE for the page and the export, so the CSV holds exactly what the page shows. Days are read in the
 * workspace's time zone (`:tz`): "from 1 March" starts at midnight where the team is.
 */
const WHERE = `e.workspace_id = :workspaceId
  AND (CAST(:actor AS uuid) IS NULL OR e.actor_user_id = CAST(:actor AS uuid))
  AND (CAST(:action AS text) IS NULL OR e.action = :action)
  AND (CAST(:from AS date) IS NULL OR e.at >= (CAST(:from AS date)::timestamp AT TIME ZONE :tz))
  AND (CAST(:to AS date) IS NULL OR e.at < ((CAST(:to AS date) + 1)::timestamp AT TIME ZONE :tz))`;

const params = (workspaceId: string, tz: string, f: AuditFilters) => ({
  workspaceId,
  tz,
  actor: f.actor ?? null,
  action: f.action ?? null,
  from: f.from ?? null,
  to: f.to ?? null,
});

/** Reading the audit log (its writers are `record` and `recordForPerson`) and purging what is past retention. */
export function auditLog(db: Db) {
  return {
    db,
    /** A page, newest first, after `cursor`; one row more than shown says whether there is a next page. */
    async page(workspaceId: string, tz: string, f: AuditFilters, cursor?: { at: string; id: string }) {
      const rows = await db.query<AuditRow>(
        `SELECT e.id::text AS id, e.at, e.at::text AS "atKey", e.actor_user_id AS "actorUserId", e.actor_name AS "actorName",
           e.action, e.subject, e.details, e.ip
         FROM audit_events e
         WHERE ${WHERE}
           AND (CAST(:cAt AS timestamptz) IS NULL OR (e.at, e.id) < (CAST(:cAt AS timestamptz), CAST(:cId AS bigint)))
         ORDER BY e.at DESC, e.id DESC LIMIT :limit`,
        { ...params(workspaceId, tz, f), cAt: cursor?.at ?? null, cId: cursor?.id ?? null, limit: PAGE_SIZE + 1 },
      );
      return { rows: rows.slice(0, PAGE_SIZE), more: rows.length > PAGE_SIZE };
    },

    /** Everyone who appears in the log (a removed teammate too, by the name they had), for the "who" filter. */
    actors: (workspaceId: string) =>
      db.query<{ id: string; name: string }>(
        `SELECT id, name FROM (
           SELECT DISTINCT ON (actor_user_id) actor_user_id AS id, coalesce(actor_name, 'Someone') AS name
           FROM audit_events WHERE workspace_id = :workspaceId AND actor_user_id IS NOT NULL
           ORDER BY actor_user_id, id DESC) a ORDER BY name, id`,
        { workspaceId },
      ),

    /** The actions that appear in the log, for the "what" filter. */
    actions: async (workspaceId: string) =>
      (
        await db.query<{ action: string }>(
          `SELECT DISTINCT action FROM audit_events WHERE workspace_id = :workspaceId ORDER BY action`,
          { workspaceId },
        )
      ).map((r) => r.action),

    /** The whole filtered log as rows through a cursor (the CSV export), oldest first. */
    stream: (workspaceId: string, tz: string, f: AuditFilters) =>
      queryStream(
        db,
        `SELECT to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, e.actor_name AS actor,
           e.actor_user_id AS actor_id, e.action, e.subject, e.details::text AS details, e.ip
         FROM audit_events e WHERE ${WHERE} ORDER BY e.at, e.id`,
        params(workspaceId, tz, f),
      ),

    /**
     * Deletes entries older than their workspace's `audit_retention_days`, oldest first, in short batches. The
     * append-only trigger lets a DELETE through only in a transaction that says it is this purge. Safe on
     * every instance at once: each batch locks its rows SKIP LOCKED, so two instances take different rows.
     */
    async purge(o: { batchSize?: number; maxBatches?: number } = {}) {
      const { batchSize = 1000, maxBatches = 20 } = o;
      let removed = 0;
      for (let i = 0; i < maxBatches; i++) {
        const n = await db.transaction(async (tx) => {
          await db.query(`SELECT set_config('rapport.audit_purge', 'on', true) AS on`, {}, tx);
          return (
            await db.query(
              `DELETE FROM audit_events WHERE id IN (
                 SELECT e.id FROM audit_events e JOIN workspaces w ON w.id = e.workspace_id
                 WHERE e.at < now() - make_interval(days => w.audit_retention_days)
                 ORDER BY e.at LIMIT :batchSize FOR UPDATE OF e SKIP LOCKED)
               RETURNING id`,
              { batchSize },
              tx,
            )
          ).length;
        });
        removed += n;
        if (n < batchSize) break;
      }
      return removed;
    },
  };
}
export type AuditLog = ReturnType<typeof auditLog>;
