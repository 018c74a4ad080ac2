import type { Db } from '../../platform/db';

/** A period of whole UTC days, `to` included. */
export type Period = { from: string; to: string };

export type LoopMeasures = {
  unhappy: number;
  replied: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  /** Customers who answered again (any survey) after our first reply: inbound mail is not recorded yet. */
  wroteBack: number;
  overdue: number;
  /** Unhappy customers who answered again since, and of them those whose next answer was a band higher. */
  answeredAgain: number;
  rescued: number;
};

/**
 * The unhappy conversations of the workspace answered in the period (by `submitted_at`), optionally owned by one
 * teammate, each with what the measures need. One definition for the figures and for the inbox rows behind them.
 */
export const LOOP_BASE = `
  SELECT cv.response_id, cv.submitted_at, cv.first_reply_at, cv.owner_user_id,
    coalesce(cv.first_reply_at, now()) - cv.submitted_at > make_interval(hours => w.response_target_hours) AS late,
    nx.band AS next_band,
    cv.first_reply_at IS NOT NULL AND (
      EXISTS (SELECT 1 FROM responses later WHERE later.contact_id = r.contact_id
              AND later.workspace_id = cv.workspace_id AND later.submitted_at > cv.first_reply_at)
      OR EXISTS (SELECT 1 FROM inbound_messages im WHERE im.response_id = cv.response_id AND im.kind = 'reply'
              AND im.received_at > cv.first_reply_at)) AS wrote_back
  FROM conversations cv
  JOIN workspaces w ON w.id = cv.workspace_id
  JOIN responses r ON r.id = cv.response_id
  LEFT JOIN LATERAL (
    SELECT c2.band FROM responses r2 JOIN conversations c2 ON c2.response_id = r2.id
    WHERE r.contact_id IS NOT NULL AND r2.contact_id = r.contact_id AND r2.workspace_id = cv.workspace_id
      AND r2.submitted_at > cv.submitted_at
    ORDER BY r2.submitted_at LIMIT 1) nx ON true
  WHERE cv.workspace_id = :workspaceId AND cv.band IN ('detractor', 'low')
    AND cv.submitted_at >= :from::date AND cv.submitted_at < :to::date + 1
    AND (:ownerId::uuid IS NULL OR cv.owner_user_id = :ownerId)`;

/** Whether a LOOP_BASE row (`b`) was rescued: the customer's next answer is out of the unhappy band. */
export const RESCUED = `(b.next_band IS NOT NULL AND b.next_band NOT IN ('detractor', 'low'))`;

export async function loopMeasures(db: Db, workspaceId: string, period: Period, ownerId: string | null = null) {
  return (await db.one<LoopMeasures>(
    `WITH b AS (${LOOP_BASE})
     SELECT count(*)::int AS unhappy,
       count(b.first_reply_at)::int AS replied,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM b.first_reply_at - b.submitted_at)) AS "medianSeconds",
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM b.first_reply_at - b.submitted_at)) AS "p90Seconds",
       count(*) FILTER (WHERE b.wrote_back)::int AS "wroteBack",
       count(*) FILTER (WHERE b.late)::int AS overdue,
       count(b.next_band)::int AS "answeredAgain",
       count(*) FILTER (WHERE ${RESCUED})::int AS rescued
     FROM b`,
    { workspaceId, ...period, ownerId },
  ))!;
}

/** "67 %", or "–" when there is nothing to divide by. */
export const percent = (n: number, of: number) => (of ? `${Math.round((100 * n) / of)} %` : '–');

/** "3 h 20 min", "2 d 4 h", "45 min", or "–". */
export function duration(seconds: number | null) {
  if (seconds === null || seconds === undefined) return '–';
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}
