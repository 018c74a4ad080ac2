import type { Db } from '../../../platform/db';

/**
 * The ids of a survey's newest responses with a comment (the first long-text answer, `responses.comment`),
 * newest first, read back from the keyset index. Ids only: whoever shows them reads the text when it shows it,
 * so a comment erased in between is never shown.
 */
export async function getNewestComments(db: Db, workspaceId: string, surveyId: string, limit: number) {
  const rows = await db.query<{ id: string }>(
    `SELECT r.id FROM responses r
     WHERE r.survey_id = :surveyId AND r.workspace_id = :workspaceId AND btrim(coalesce(r.comment, '')) <> ''
     ORDER BY r.submitted_at DESC, r.id DESC LIMIT :limit`,
    { workspaceId, surveyId, limit },
  );
  return rows.map((r) => r.id);
}
