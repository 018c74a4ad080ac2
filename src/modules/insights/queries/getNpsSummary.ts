import type { Db } from '../../../platform/db';

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
       count(*) FILTER (WHERE score >= 9) AS promoters,
       count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
       count(*) FILTER (WHERE score <= 6) AS detractors
     FROM responses WHERE workspace_id = :workspaceId AND survey_id = :surveyId AND score IS NOT NULL
       AND (:version::int IS NULL OR survey_version = :version)`,
    { workspaceId, surveyId, version },
  ))!;
  const nps = row.responses ? Math.round(((row.promoters - row.detractors) * 100) / row.responses) : null;
  return { ...row, nps };
}
