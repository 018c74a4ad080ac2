import type { Db } from '../../../platform/db';
import type { Grain } from '../insights.schemas';
import { cellSource, COMPAT_CELLS, compatOf, type Scope } from '../scope';

export type GrainDensity = { grain: Grain; start: string; end: string; answers: number; periods: number };

/** How many periods a trend of each grain would have on screen, by default. */
export const DEFAULT_PERIODS: Record<Grain, number> = { day: 90, week: 52, month: 24, quarter: 12 };

/**
 * For each grain: the window a trend of that grain shows (the scope's dates, else its default number of
 * periods up to today by the database clock, UTC), the answers to `questionId` in it, and the number of
 * periods from the first of those answers to the end. The default grain is the finest whose periods hold
 * enough answers on average.
 */
export function getTrendDensity(db: Db, scope: Scope, questionId: string) {
  const src = cellSource(scope, { questionId, value: '' });
  return db.query<GrainDensity>(
    `WITH d AS (
       SELECT day, sum(n) AS n FROM ${src.sql} c
       WHERE question_id = :questionId AND value = '' AND ${COMPAT_CELLS} GROUP BY day
     ),
     g AS (
       SELECT v.grain, v.step,
         coalesce(:fromDay::date, (date_trunc(v.grain, e.day) - (v.periods - 1) * v.step)::date) AS start, e.day AS "end"
       FROM (SELECT coalesce(:toDay::date, (now() AT TIME ZONE 'UTC')::date) AS day) e,
         (VALUES ('day', interval '1 day', :dayPeriods), ('week', interval '1 week', :weekPeriods),
                 ('month', interval '1 month', :monthPeriods), ('quarter', interval '3 months', :quarterPeriods)) v(grain, step, periods)
     )
     SELECT g.grain, to_char(g.start, 'YYYY-MM-DD') AS start, to_char(g."end", 'YYYY-MM-DD') AS "end",
       coalesce(sum(d.n), 0)::bigint AS answers,
       coalesce((SELECT count(*) FROM generate_series(date_trunc(g.grain, min(d.day)), date_trunc(g.grain, g."end"), g.step)), 0)::bigint AS periods
     FROM g LEFT JOIN d ON d.day >= g.start AND d.day <= g."end"
     GROUP BY g.grain, g.step, g.start, g."end"`,
    {
      ...src.replacements,
      compat: compatOf(scope),
      questionId,
      dayPeriods: DEFAULT_PERIODS.day,
      weekPeriods: DEFAULT_PERIODS.week,
      monthPeriods: DEFAULT_PERIODS.month,
      quarterPeriods: DEFAULT_PERIODS.quarter,
    },
  );
}
