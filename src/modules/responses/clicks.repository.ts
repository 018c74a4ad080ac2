import type { Db } from '../../platform/db';

export type DiscardReason = 'burst' | 'honeypot' | 'scanned_delivery';

/** Clicks on score links, kept apart from responses: a click only ever becomes an answer when confirmed. */
export const clicksRepository = (db: Db) => ({
  /** Records a click and says how many clicks this delivery saw in the burst window ending now (this one included). */
  record: async (workspaceId: string, deliveryId: string, score: number, windowMs: number) =>
    (await db.one<{ id: string; recent: number }>(
      // The workspace is given (the link knows it), so the row skips the trigger that would look it up.
      `WITH c AS (INSERT INTO response_clicks (workspace_id, delivery_id, score) VALUES (:workspaceId, :deliveryId, :score) RETURNING id, clicked_at)
       SELECT c.id::text AS id, 1 + (SELECT count(*) FROM response_clicks r
         WHERE r.delivery_id = :deliveryId AND r.clicked_at > c.clicked_at - make_interval(secs => :windowSeconds)) AS recent
       FROM c`,
      { workspaceId, deliveryId, score, windowSeconds: windowMs / 1000 },
    ))!,

  /** How many clicks fell in the burst window around one click (for the auto-confirm re-check). */
  recentAround: async (deliveryId: string, clickId: string, windowMs: number) =>
    (await db.one<{ status: string | null; recent: number }>(
      `SELECT k.status, (SELECT count(*) FROM response_clicks r WHERE r.delivery_id = k.delivery_id
           AND r.clicked_at BETWEEN k.clicked_at - make_interval(secs => :windowSeconds) AND k.clicked_at + make_interval(secs => :windowSeconds)) AS recent
       FROM response_clicks k WHERE k.id = :clickId AND k.delivery_id = :deliveryId`,
      { deliveryId, clickId, windowSeconds: windowMs / 1000 },
    )) ?? { status: null, recent: 0 },

  /**
   * The delivery was walked by a scanner: remember it (the first reason wins) and discard its pending clicks
   * (all of them for a honeypot hit, those in the burst window for a burst), saying why.
   */
  markScanned: (deliveryId: string, reason: 'burst' | 'honeypot', windowMs: number) =>
    db.transaction(async (tx) => {
      await db.execute(
        `INSERT INTO scanned_deliveries (delivery_id, reason) VALUES (:deliveryId, :reason) ON CONFLICT (delivery_id) DO NOTHING`,
        { deliveryId, reason },
        tx,
      );
      await db.execute(
        `UPDATE response_clicks SET status = 'discarded', discard_reason = :reason, settled_at = now()
         WHERE delivery_id = :deliveryId AND status = 'pending'
           AND (:reason = 'honeypot' OR clicked_at > clock_timestamp() - make_interval(secs => :windowSeconds * 2))`,
        { deliveryId, reason, windowSeconds: windowMs / 1000 },
        tx,
      );
    }),

  settle: (
    deliveryId: string,
    clickId: string,
    outcome: { status: 'confirmed' } | { status: 'discarded'; reason: DiscardReason },
  ) =>
    db.execute(
      `UPDATE response_clicks SET status = :status, discard_reason = :reason, settled_at = now()
       WHERE id = :clickId AND delivery_id = :deliveryId AND status = 'pending'`,
      { deliveryId, clickId, status: outcome.status, reason: outcome.status === 'discarded' ? outcome.reason : null },
    ),
});
export type ClicksRepository = ReturnType<typeof clicksRepository>;
