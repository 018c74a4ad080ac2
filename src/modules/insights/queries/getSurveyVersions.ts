import type { Db } from '../../../platform/db';
import type { Question } from '../../surveys';
import type { VersionQuestions } from '../scope';

/** Every version's questions, newest first: which answers can be counted together (see scope.ts). */
export const getSurveyVersions = (db: Db, workspaceId: string, surveyId: string) =>
  db.query<VersionQuestions & { questions: Question[] }>(
    `SELECT v.version, v.questions FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
     WHERE s.workspace_id = :workspaceId AND v.survey_id = :surveyId ORDER BY v.version DESC`,
    { workspaceId, surveyId },
  );
