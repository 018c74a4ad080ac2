import type { Db, Tx } from '../../platform/db';
import { toPgArray } from '../../platform/pgArray';

/**
 * How long webhook messages are kept: the delivery log is for "what did we send, and what did they answer?", a
 * question of days; kept forever it would grow by an event, a delivery and attempts per answer. An event goes
 * once it is older than the cut-off and none of its deliveries is still waiting or being sent (delivered, dead
 * and suppressed ones alike); its deliveries and their attempt log go with it (by cascade).
 */
export function webhooksRetention(db: Db) {
  return {
    /** The oldest settled events before the cut-off, locked (SKIP LOCKED: another instance takes others). */
    due: async (before: Date, limit: number, tx: Tx) =>
      (
        await db.query<{ id: string }>(
          `SELECT e.id FROM webhook_events e
           WHERE e.created_at < :before
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('queued', 'sending'))
           ORDER BY e.created_at LIMIT :limit
           FOR UPDATE SKIP LOCKED`,
          { before, limit },
          tx,
        )
      ).map((r) => r.id),

    /**
     * Deletes them, asking again whether a delivery waits: this statement sees what committed since the choice (a
     * "resend" made meanwhile keeps its event).
     */
    remove: (ids: string[], tx: Tx) =>
      db.execute(
        `DELETE FROM webhook_events e WHERE e.id = ANY(:ids::uuid[])
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('queued', 'sending'))`,
        { ids: toPgArray(ids) },
        tx,
      ),
  };
}
export type WebhooksRetention = ReturnType<typeof webhooksRetention>;
