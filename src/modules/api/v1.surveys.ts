import type { SurveysService } from '../surveys';
import { endpoint } from './endpoint';
import { presentSurvey } from './present';
import { surveyListOut, surveyOut, uuidParams } from './schemas';

/** /api/v1/surveys: read-only views of the surveys module. */
export function surveyEndpoints(surveys: SurveysService) {
  const tag = 'Surveys';
  return [
    endpoint({
      method: 'get',
      path: '/api/v1/surveys',
      tag,
      scope: 'read',
      summary: 'List surveys',
      description: 'Active first, newest first, each with its current questions and response count.',
      responses: { 200: { description: 'Every survey of the workspace.', schema: surveyListOut } },
      handle: async ({ key }) => ({
        status: 200,
        body: { data: (await surveys.list(key.workspaceId)).map(presentSurvey) },
      }),
    }),
    endpoint({
      method: 'get',
      path: '/api/v1/surveys/:id',
      tag,
      scope: 'read',
      summary: 'Get a survey with its questions',
      params: uuidParams,
      responses: {
        200: { description: 'The survey.', schema: surveyOut },
        404: { description: 'No such survey in this workspace.' },
      },
      handle: async ({ key, params }) => ({
        status: 200,
        body: presentSurvey(await surveys.get(key.workspaceId, params.id)),
      }),
    }),
  ];
}
