import type { Db } from '../../../platform/db';
import { PROMOTER, PASSIVE, DETRACTOR } from './npsBands';

export type NpsSummary = {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
};

/** NPS = % promoters (9–10) − % detractors (0–6), over responses that carry a score. */
export async function getNpsSummary(
  db: Db,
  workspaceId: string,
  surveyId: string,
  version: number | null = null,
): Promise<NpsSummary> {
  const row = (await db.one<Omit<NpsSummary, 'nps'>>(
    `SELECT count(*) AS responses,
       count(*) FILTER (WHERE ${PROMOTER}) AS promoters,
       count(*) FILTER (WHERE ${PASSIVE}) AS passives,
       count(*) FILTER (WHERE ${DETRACTOR}) AS detractors
     FROM responses WHERE workspace_id = :workspaceId AND survey_id = :surveyId AND score IS NOT NULL
       AND (:version::int IS NULL OR survey_version = :version)`,
    { workspaceId, surveyId, version },
  ))!;
  const nps = row.responses ? Math.round(((row.promoters - row.detractors) * 100) / row.responses) : null;
  return { ...row, nps };
}
