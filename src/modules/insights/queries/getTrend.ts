import type { Db } from '../../../platform/db';
import type { Grain } from '../insights.schemas';
import { cellSource, COMPAT_CELLS, compatOf, type Scope } from '../scope';

export type TrendCell = { period: string; value: string; n: number };

/** Counts per period (day, week from Monday, month, quarter; UTC) and value of one question, in a window. */
export function getTrend(db: Db, scope: Scope, questionId: string, grain: Grain, start: string, end: string) {
  const src = cellSource(scope, { questionId, sinceDay: start });
  return db.query<TrendCell>(
    `SELECT to_char(date_trunc(:grain, day), 'YYYY-MM-DD') AS period, value, sum(n)::bigint AS n
     FROM ${src.sql} c
     WHERE question_id = :questionId AND ${COMPAT_CELLS} AND day >= :start::date AND day <= :end::date
     GROUP BY 1, 2 ORDER BY 1`,
    { ...src.replacements, compat: compatOf(scope), questionId, grain, start, end },
  );
}
