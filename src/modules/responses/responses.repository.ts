import type { Db } from '../../platform/db';
import type { Question } from '../surveys';

/** What a response link opens: resolved from the token's hash, never from anything else in the URL. */
export type Invitation = {
  deliveryId: string;
  workspaceId: string;
  contactId: string;
  contactStatus: string;
  surveyId: string;
  surveyVersion: number;
  surveyTitle: string;
  surveyStatus: string;
  questions: Question[];
  senderName: string;
  workspaceName: string;
  score: number | null;
  comment: string | null;
};

export const responsesRepository = (db: Db) => ({
  findInvitation: (tokenHash: Buffer) =>
    db.one<Invitation>(
      `SELECT d.id AS "deliveryId", d.workspace_id AS "workspaceId", d.contact_id AS "contactId", c.status AS "contactStatus",
         w.survey_id AS "surveyId", w.survey_version AS "surveyVersion", s.title AS "surveyTitle", s.status AS "surveyStatus",
         v.questions, ws.sender_name AS "senderName", ws.name AS "workspaceName", r.score, r.comment
       FROM deliveries d
       JOIN contacts c ON c.id = d.contact_id
       JOIN waves w ON w.id = d.wave_id
       JOIN surveys s ON s.id = w.survey_id
       JOIN survey_versions v ON v.survey_id = w.survey_id AND v.version = w.survey_version
       JOIN workspaces ws ON ws.id = d.workspace_id
       LEFT JOIN responses r ON r.delivery_id = d.id
       WHERE d.token_hash = :tokenHash`,
      { tokenHash },
    ),

  /** One response per delivery: the latest answer wins, even when two POSTs race. */
  upsert: (inv: Invitation, answer: { score: number | null; comment: string | null; answers: Record<string, unknown> }) =>
    db.query(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers)
       VALUES (:workspaceId, :surveyId, :surveyVersion, :deliveryId, :contactId, :score, :comment, :answers)
       ON CONFLICT (delivery_id) DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment,
         answers = EXCLUDED.answers, updated_at = now()
       RETURNING id`,
      {
        workspaceId: inv.workspaceId,
        surveyId: inv.surveyId,
        surveyVersion: inv.surveyVersion,
        deliveryId: inv.deliveryId,
        contactId: inv.contactId,
        score: answer.score,
        comment: answer.comment,
        answers: JSON.stringify(answer.answers),
      },
    ),

  unsubscribe: (contactId: string) =>
    db.query(`UPDATE contacts SET status = 'unsubscribed', updated_at = now() WHERE id = :contactId AND status = 'subscribed' RETURNING id`, {
      contactId,
    }),
});
