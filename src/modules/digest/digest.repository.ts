import type { Db, Tx } from '../../platform/db';
import { hashToken, looksLikeToken } from '../../platform/tokens';

export type NewDigest = {
  workspaceId: string;
  userId: string;
  week: string;
  content: unknown;
  commentIds: string[];
  tokenHash: Buffer;
  tokenSealed: string;
  /** Nothing to report: recorded as suppressed (never sent), so the week is done for this teammate. */
  nothing: boolean;
};

// Several instances tick at once; one queues the week's digests, the others skip (the unique key is the guarantee).
const DIGEST_LOCK = 724_013;

export const digestRepository = (db: Db) => ({
  tryLock: async (tx: Tx) =>
    !!(await db.one<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${DIGEST_LOCK}) AS ok`, {}, tx))?.ok,

  /** Which (teammate, workspace) pairs already have the week's digest (queued, sent or otherwise): one a line. */
  queuedFor: async (week: string, userIds: string[], tx?: Tx) =>
    (
      await db.query<{ key: string }>(
        `SELECT user_id || ' ' || workspace_id AS key FROM digests WHERE week = $1::date AND user_id = ANY ($2::uuid[])`,
        [week, userIds],
        tx,
      )
    ).map((r) => r.key),

  /** One digest per (teammate, workspace, week), whoever else tries: true when this one was the one. */
  queue: async (d: NewDigest, tx: Tx) =>
    (await db.execute(
      `INSERT INTO digests (workspace_id, user_id, week, content, comment_ids, token_hash, token_sealed, status, last_error)
       VALUES ($1, $2, $3::date, $4::jsonb, $5::uuid[], $6, $7,
         CASE WHEN $8::boolean THEN 'suppressed' ELSE 'queued' END,
         CASE WHEN $8::boolean THEN 'Nothing to report: no survey has answers yet.' END)
       ON CONFLICT ON CONSTRAINT digests_once_a_week DO NOTHING`,
      [d.workspaceId, d.userId, d.week, JSON.stringify(d.content), d.commentIds, d.tokenHash, d.tokenSealed, d.nothing],
      tx,
    )) === 1,

  /** Whose digest a link's token belongs to, looked up by its SHA-256 only. */
  findByToken: async (token: string) =>
    looksLikeToken(token)
      ? db.one<{ workspaceId: string; userId: string; workspaceName: string }>(
          `SELECT dg.workspace_id AS "workspaceId", dg.user_id AS "userId", ws.name AS "workspaceName"
           FROM digests dg JOIN workspaces ws ON ws.id = dg.workspace_id
           WHERE dg.token_hash = $1 AND dg.user_id IS NOT NULL`,
          [hashToken(token)],
        )
      : undefined,
});
export type DigestRepository = ReturnType<typeof digestRepository>;
