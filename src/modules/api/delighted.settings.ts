import type { Db } from '../../platform/db';
import { invalid, notFound } from '../../platform/errors';
import { primaryScale, type SurveysService } from '../surveys';

/**
 * Which survey the Delighted-compatible door sends and reads: the workspace's choice (Settings → API keys), else
 * its oldest active survey whose first scale is NPS.
 */
export function delightedSurvey(db: Db, surveys: SurveysService) {
  const npsSurveys = async (workspaceId: string) =>
    (await surveys.list(workspaceId)).filter((s) => primaryScale(s.questions)?.type === 'nps');

  return {
    npsSurveys,

    async chosenId(workspaceId: string) {
      const row = await db.one<{ id: string | null }>(
        `SELECT delighted_survey_id AS id FROM api_settings WHERE workspace_id = :workspaceId`,
        { workspaceId },
      );
      return row?.id ?? null;
    },

    /** The survey /v1 maps onto; 404 (a person can act on it) when the workspace has no NPS survey at all. */
    async resolve(workspaceId: string) {
      const chosen = await this.chosenId(workspaceId);
      const all = await npsSurveys(workspaceId);
      const survey =
        all.find((s) => s.id === chosen) ??
        all.filter((s) => s.status === 'active').sort((a, b) => +a.createdAt - +b.createdAt)[0];
      if (!survey) throw notFound('NPS survey (make one, or choose it under Settings → API keys)');
      return survey;
    },

    async choose(workspaceId: string, surveyId: string | null) {
      if (surveyId && !(await npsSurveys(workspaceId)).some((s) => s.id === surveyId))
        throw invalid('Please correct the highlighted fields.', { surveyId: 'Choose one of your NPS surveys.' });
      await db.execute(
        `INSERT INTO api_settings (workspace_id, delighted_survey_id) VALUES (:workspaceId, :surveyId)
         ON CONFLICT (workspace_id) DO UPDATE SET delighted_survey_id = EXCLUDED.delighted_survey_id, updated_at = now()`,
        { workspaceId, surveyId },
      );
    },
  };
}
export type DelightedSurvey = ReturnType<typeof delightedSurvey>;
