import type { Db } from '../../../platform/db';

export type Comment = { score: number | null; comment: string; submittedAt: Date; contactName: string | null; contactEmail: string | null };

export const getLatestComments = (db: Db, workspaceId: string, surveyId: string, limit = 20) =>
  db.query<Comment>(
    `SELECT r.score, r.comment, r.submitted_at AS "submittedAt", c.name AS "contactName", c.email AS "contactEmail"
     FROM responses r LEFT JOIN contacts c ON c.id = r.contact_id
     WHERE r.workspace_id = :workspaceId AND r.survey_id = :surveyId AND r.comment IS NOT NULL
     ORDER BY r.submitted_at DESC LIMIT :limit`,
    { workspaceId, surveyId, limit },
  );
