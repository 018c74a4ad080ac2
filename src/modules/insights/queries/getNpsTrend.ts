import type { Db } from '../../../platform/db';
import { PROMOTER, DETRACTOR } from './npsBands';

export type NpsPoint = { week: string; responses: number; nps: number };

/** Weekly NPS over the last year: at most 53 points for the chart, computed in SQL. */
export const getNpsTrend = (db: Db, workspaceId: string, surveyId: string, version: number | null = null) =>
  db.query<NpsPoint>(
    `SELECT to_char(date_trunc('week', submitted_at), 'YYYY-MM-DD') AS week,
       count(*) AS responses,
       round(100.0 * (count(*) FILTER (WHERE ${PROMOTER}) - count(*) FILTER (WHERE ${DETRACTOR})) / count(*))::int AS nps
     FROM responses
     WHERE workspace_id = :workspaceId AND survey_id = :surveyId AND score IS NOT NULL
       AND submitted_at >= now() - interval '53 weeks'
       AND (:version::int IS NULL OR survey_version = :version)
     GROUP BY 1 ORDER BY 1`,
    { workspaceId, surveyId, version },
  );
