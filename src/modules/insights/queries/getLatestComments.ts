import type { Db } from '../../../platform/db';

export type Comment = {
  version: number;
  score: number | null;
  comment: string;
  submittedAt: Date;
  contactName: string | null;
  contactEmail: string | null;
};

export const getLatestComments = (
  db: Db,
  workspaceId: string,
  surveyId: string,
  version: number | null = null,
  limit = 20,
) =>
  db.query<Comment>(
    `SELECT r.survey_version AS version, r.score, r.comment, r.submitted_at AS "submittedAt", c.name AS "contactName", c.email AS "contactEmail"
     FROM responses r LEFT JOIN contacts c ON c.id = r.contact_id
     WHERE r.workspace_id = :workspaceId AND r.survey_id = :surveyId AND r.comment IS NOT NULL
       AND (:version::int IS NULL OR r.survey_version = :version)
     ORDER BY r.submitted_at DESC LIMIT :limit`,
    { workspaceId, surveyId, version, limit },
  );
