import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { UNHAPPY } from './overdue';

/** At most this many conversations escalate per pass; the rest go at the next tick. */
const BATCH = 500;

/**
 * The response-time timekeeper. Every minute, on every instance: open unhappy conversations whose customer has
 * waited past their workspace's target (`now`, the database clock) escalate once: `escalated_at` is set, one
 * email per owner/admin who has alerts on is queued (`escalations`), and the `conversation.overdue` webhook is
 * emitted by the trigger on that column, all in one transaction. The rows are locked SKIP LOCKED and the update
 * re-checks `escalated_at IS NULL`, so two instances (or two ticks) escalate a conversation exactly once.
 */
export function createEscalationJob(o: { db: Db; log: Logger; onQueued: () => void }) {
  async function runDue(now: Date) {
    const { escalated, queued } = await o.db.transaction(async (tx) => {
      const rows = await o.db.query<{ id: string }>(
        `WITH due AS (
           SELECT cv.response_id FROM conversations cv JOIN workspaces w ON w.id = cv.workspace_id
           WHERE cv.status = 'open' AND cv.awaiting_since IS NOT NULL AND cv.escalated_at IS NULL
             AND cv.band IN (:unhappy)
             AND cv.awaiting_since <= :now::timestamptz - make_interval(hours => w.response_target_hours)
           ORDER BY cv.awaiting_since LIMIT :batch FOR UPDATE OF cv SKIP LOCKED)
         UPDATE conversations cv SET escalated_at = :now::timestamptz FROM due
         WHERE cv.response_id = due.response_id AND cv.escalated_at IS NULL
         RETURNING cv.response_id AS id`,
        { now: now.toISOString(), unhappy: UNHAPPY, batch: BATCH },
        tx,
      );
      if (!rows.length) return { escalated: 0, queued: 0 };
      const queued = await o.db.execute(
        `INSERT INTO escalations (workspace_id, response_id, user_id)
         SELECT cv.workspace_id, cv.response_id, m.user_id
         FROM conversations cv
         JOIN memberships m ON m.workspace_id = cv.workspace_id AND m.role IN ('owner', 'admin')
         JOIN users u ON u.id = m.user_id AND u.alerts_enabled
         WHERE cv.response_id IN (:ids)
         ON CONFLICT DO NOTHING`,
        { ids: rows.map((r) => r.id) },
        tx,
      );
      return { escalated: rows.length, queued };
    });
    if (escalated) o.log.info({ escalated, queued }, 'overdue conversations escalated');
    if (queued) o.onQueued();
    return { escalated, queued };
  }

  return {
    runDue,
    tick: async () => runDue((await o.db.one<{ now: Date }>('SELECT now() AS now'))!.now),
  };
}
export type EscalationJob = ReturnType<typeof createEscalationJob>;
