import type { Db } from '../../../platform/db';
import { PROMOTER, DETRACTOR } from './npsBands';
import type { NpsCounts } from '../npsStats';

/** The last 30 days against the 30 before, by the database clock, in one pass over the survey's index. */
export async function getNpsPeriods(db: Db, workspaceId: string, surveyId: string, version: number | null = null) {
  const rows = await db.query<NpsCounts & { current: boolean }>(
    `SELECT submitted_at >= now() - interval '30 days' AS current,
       count(*) AS responses,
       count(*) FILTER (WHERE ${PROMOTER}) AS promoters,
       count(*) FILTER (WHERE ${DETRACTOR}) AS detractors
     FROM responses
     WHERE workspace_id = :workspaceId AND survey_id = :surveyId AND score IS NOT NULL
       AND submitted_at >= now() - interval '60 days'
       AND (:version::int IS NULL OR survey_version = :version)
     GROUP BY 1`,
    { workspaceId, surveyId, version },
  );
  const empty: NpsCounts = { responses: 0, promoters: 0, detractors: 0 };
  return {
    current: rows.find((r) => r.current) ?? empty,
    previous: rows.find((r) => !r.current) ?? empty,
  };
}
