/** The bands the response-time target applies to: an NPS detractor, or a low score on another scale. */
export const UNHAPPY = ['detractor', 'low'];

/**
 * SQL: whether conversation `cv` of workspace `w` is overdue at `now` — open, unhappy, its customer still
 * waiting for a first human answer, for longer than the workspace's target.
 */
export const overdueSql = (now = 'now()') =>
  `(cv.status = 'open' AND cv.band IN ('detractor', 'low') AND cv.awaiting_since IS NOT NULL
    AND cv.awaiting_since <= ${now} - make_interval(hours => w.response_target_hours))`;

/** Whole hours since `since`, for "waiting 27 h". */
export const hoursSince = (since: Date, now = new Date()) => Math.floor((now.getTime() - since.getTime()) / 3_600_000);
