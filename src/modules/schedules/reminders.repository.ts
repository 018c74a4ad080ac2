import type { Db } from '../../platform/db';

export const remindersRepository = (db: Db) => ({
  /**
   * Queue every reminder that has come due: reminder 1 `reminder_days` after the invitation was sent,
   * reminder 2 the same after reminder 1 was sent. Only to contacts still subscribed who have not answered,
   * for surveys still open. Unique per (delivery, seq), so any number of instances may run this at once.
   * The worker checks "answered / still subscribed" again when it claims the reminder.
   */
  enqueueDue: (now: Date) =>
    db.execute(
      `INSERT INTO reminders (workspace_id, delivery_id, seq, created_at)
       SELECT d.workspace_id, d.id, k.seq, :now
       FROM waves w
       JOIN surveys s ON s.id = w.survey_id AND s.status = 'active' AND (s.closes_at IS NULL OR s.closes_at > :now)
       JOIN deliveries d ON d.wave_id = w.id AND d.status = 'sent'
       JOIN contacts c ON c.id = d.contact_id AND c.status = 'subscribed'
       CROSS JOIN LATERAL generate_series(1, w.reminder_count) AS k(seq)
       LEFT JOIN reminders prev ON prev.delivery_id = d.id AND prev.seq = k.seq - 1
       WHERE w.status = 'open' AND w.reminder_count > 0
         -- A wave older than its last possible reminder (plus slack for downtime) needs no look.
         AND w.created_at > :now::timestamptz - make_interval(days => 3 * w.reminder_days + 7)
         AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.delivery_id = d.id)
         AND NOT EXISTS (SELECT 1 FROM reminders done WHERE done.delivery_id = d.id AND done.seq = k.seq)
         AND CASE WHEN k.seq = 1 THEN d.sent_at <= :now::timestamptz - make_interval(days => w.reminder_days)
                  ELSE prev.status = 'sent' AND prev.sent_at <= :now::timestamptz - make_interval(days => w.reminder_days) END
       ON CONFLICT (delivery_id, seq) DO NOTHING`,
      { now },
    ),
});
