import type { Db } from '../../../platform/db';

/**
 * How many of a survey's unhappy answers (NPS detractors, or "low" on another scale) are still open in the
 * inbox, however old: the weekly digest's "still waiting for someone". From the partial index on unhappy
 * conversations.
 */
export async function getOpenUnhappy(db: Db, workspaceId: string, surveyId: string): Promise<number> {
  const row = await db.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM conversations cv
     WHERE cv.survey_id = :surveyId AND cv.workspace_id = :workspaceId AND cv.band IN ('detractor', 'low')
       AND cv.status = 'open'`,
    { workspaceId, surveyId },
  );
  return row?.n ?? 0;
}
