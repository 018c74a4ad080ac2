import type { Db } from '../../platform/db';
import { decodeCursor, encodeCursor } from '../../platform/cursor';
import { invalid } from '../../platform/errors';
import type { AccountsService } from '../accounts';
import { responsesFeed, type InsightsService } from '../insights';
import type { SurveysService } from '../surveys';
import { endpoint } from './endpoint';
import { presentResponse, presentSection } from './present';
import { metricsOut, metricsQuery, pageOf, responseListQuery, responseOut, uuidParams } from './schemas';

/** Responses for sync, and per-survey metrics: reads of the insights module, through the readers (a replica). */
export function responseEndpoints(d: {
  readers: Db;
  accounts: AccountsService;
  insights: InsightsService;
  surveys: SurveysService;
}) {
  return [
    endpoint({
      method: 'get',
      path: '/api/v1/responses',
      tag: 'Responses',
      scope: 'read',
      summary: 'List responses',
      description:
        'Oldest first by submission (or by last change with updatedSince, for incremental sync: keep the updatedAt of the last one you saw). Each answer says which invitation, and for an event which event, asked for it.',
      query: responseListQuery,
      responses: {
        200: { description: 'A page of responses.', schema: pageOf(responseOut, 'ResponsePage') },
        404: { description: 'No such survey in this workspace.' },
      },
      handle: async ({ key, query }) => {
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
        if (query.cursor !== undefined && !after)
          throw invalid('Please correct the query parameters.', {
            cursor: 'Use the nextCursor of the previous page as it was given.',
          });
        if (query.surveyId) await d.surveys.get(key.workspaceId, query.surveyId);
        const rows = await responsesFeed(d.readers, {
          workspaceId: key.workspaceId,
          surveyId: query.surveyId,
          since: query.since,
          until: query.until,
          updatedSince: query.updatedSince,
          bands: query.band,
          order: query.order,
          after,
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          status: 200,
          body: {
            data: page.map(presentResponse),
            nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursorAt, last.id) : null,
          },
        };
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/v1/surveys/:id/metrics',
      tag: 'Surveys',
      scope: 'read',
      summary: "A survey's metrics for a period",
      description:
        'The headline of each question of the current (or given) version: NPS with promoters, passives and detractors; CSAT % satisfied; the mean of CES and ratings; counts per choice; how many answered an open question. Every estimate has its 95 % interval.',
      params: uuidParams,
      query: metricsQuery,
      responses: {
        200: { description: 'The metrics.', schema: metricsOut },
        404: { description: 'No such survey (or version) in this workspace.' },
      },
      handle: async ({ key, params, query }) => {
        if (query.from && query.to && query.from > query.to)
          throw invalid('Please correct the query parameters.', { from: 'The "from" date is after the "to" date.' });
        const workspace = (await d.accounts.findWorkspace(key.workspaceId))!;
        const view = await d.insights.view(workspace, params.id, {
          from: query.from,
          to: query.to,
          version: query.version,
          tag: undefined,
          prop: undefined,
        });
        const { responses, sections } = await d.insights.summary(view);
        return {
          status: 200,
          body: {
            surveyId: params.id,
            from: query.from ?? null,
            to: query.to ?? null,
            responses,
            questions: sections.map(presentSection),
          },
        };
      },
    }),
  ];
}
