import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import { invalid } from '../../platform/errors';
import { surveysRepository } from './surveys.repository';
import { findTemplate } from './templates';

export function surveysService(db: Db) {
  const repo = surveysRepository(db);
  return {
    async createFromTemplate(workspaceId: string, templateKey: string, title?: string) {
      const template = findTemplate(templateKey);
      if (!template) throw invalid('Choose one of the templates listed.', { template: 'Unknown template.' });
      return db.transaction((tx) =>
        repo.create(workspaceId, { title: title || template.title, template: template.key, questions: template.questions }, tx),
      );
    },
    list: repo.list,
    async get(workspaceId: string, id: string) {
      const survey = await repo.find(workspaceId, id);
      if (!survey) throw notFound('survey');
      return survey;
    },
    findVersion: repo.findVersion,
  };
}
export type SurveysService = ReturnType<typeof surveysService>;
