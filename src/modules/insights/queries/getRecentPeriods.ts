import type { Db } from '../../../platform/db';
import { cellSource, COMPAT_CELLS, compatOf, type Scope } from '../scope';

export type PeriodCell = { current: boolean; value: string; n: number };

/**
 * "Are we getting better?": one question's counts per value over the last 30 days (UTC, up to the end of the
 * scope or today by the database clock) and the 30 days before.
 */
export function getRecentPeriods(db: Db, scope: Scope, questionId: string) {
  // The 60 days before the end, with two days' margin for the app's clock against the database's (the WHERE
  // below cuts exactly).
  const end = scope.to ?? new Date().toISOString().slice(0, 10);
  const since = new Date(Date.parse(`${end}T00:00:00Z`) - 62 * 86_400_000).toISOString().slice(0, 10);
  const src = cellSource(scope, { questionId, sinceDay: since });
  return db.query<PeriodCell>(
    `WITH e AS (SELECT coalesce(:toDay::date, (now() AT TIME ZONE 'UTC')::date) AS day)
     SELECT c.day > e.day - 30 AS current, c.value, sum(c.n)::bigint AS n
     FROM ${src.sql} c, e
     WHERE c.question_id = :questionId AND ${COMPAT_CELLS} AND c.day > e.day - 60 AND c.day <= e.day
     GROUP BY 1, 2`,
    { ...src.replacements, compat: compatOf(scope), questionId },
  );
}
