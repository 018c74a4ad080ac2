import type { Db } from '../../platform/db';
import { conflict, found, invalid } from '../../platform/errors';
import type { Question } from './questions';
import { teammates as teammatesOf } from '../accounts';
import { surveysRepository } from './surveys.repository';
import type { SurveyDraft } from './surveys.schemas';
import { findTemplate, instantiate } from './templates';

/** Key order differs between what we build and what jsonb returns: compare questions canonically. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

/** "What do you think? — our new pricing": two surveys on two topics can be told apart in every list. */
const titleOf = (template: { title: string; needsTopic?: boolean }, topic?: string) =>
  template.needsTopic && topic ? `${template.title} — ${topic}` : template.title;

export function surveysService(db: Db) {
  const repo = surveysRepository(db);
  const teammates = teammatesOf(db);

  const get = (workspaceId: string, id: string) => found(repo.find(workspaceId, id), 'survey');

  return {
    async createFromTemplate(workspaceId: string, templateKey: string, title?: string, topic?: string) {
      const template = findTemplate(templateKey);
      if (!template) throw invalid('Choose one of the templates listed.', { template: 'Unknown template.' });
      if (template.needsTopic && !topic) {
        throw invalid('Name the topic you want to ask about.', {
          topic: `"${template.title}" asks about a topic: name it, e.g. "our new pricing".`,
        });
      }
      const questions = instantiate(template, topic);
      return db.transaction((tx) =>
        repo.create(workspaceId, { title: title || titleOf(template, topic), template: template.key, questions }, tx),
      );
    },
    list: repo.list,
    get,
    findVersion: repo.findVersion,
    versions: repo.versions,
    teammates: teammates.list,

    /**
     * Saves the builder's draft. Questions of a version that invitations or answers already point at are
     * frozen: a change then publishes version n+1 and earlier answers keep the exact texts and scales they
     * were given on. Settings (title, sender, close date…) are the survey's and apply to every version.
     */
    async save(workspaceId: string, id: string, draft: SurveyDraft) {
      if (draft.senderUserId && !(await teammates.isTeammate(workspaceId, draft.senderUserId))) {
        throw invalid('Please correct the highlighted fields.', {
          senderUserId: 'Choose a teammate from this workspace.',
        });
      }
      return db.transaction(async (tx) => {
        const survey = await found(repo.find(workspaceId, id, tx), 'survey');
        const changed = canonical(survey.questions) !== canonical(draft.questions);
        let version = survey.currentVersion;
        let published = false;
        if (changed && (await repo.versionInUse(id, version, tx))) {
          version += 1;
          published = true;
          await repo.publishVersion(id, version, draft.questions, tx);
        } else if (changed) {
          await repo.replaceQuestions(id, version, draft.questions, tx);
        }
        const { questions: _q, ...settings } = draft;
        await repo.updateSettings(workspaceId, id, { ...settings, currentVersion: version }, tx);
        return { version, published };
      });
    },

    async archive(workspaceId: string, id: string) {
      await get(workspaceId, id);
      await repo.setStatus(workspaceId, id, 'archived');
    },
    async restore(workspaceId: string, id: string) {
      await get(workspaceId, id);
      await repo.setStatus(workspaceId, id, 'active');
    },

    /** Answers are history: a survey anyone answered can only be archived, never deleted. */
    async remove(workspaceId: string, id: string) {
      await db.transaction(async (tx) => {
        await found(repo.find(workspaceId, id, tx), 'survey');
        if ((await repo.responseCount(id, tx)) > 0)
          throw conflict('This survey has answers, so it can only be archived: its answers stay in the dashboards.');
        await repo.remove(workspaceId, id, tx);
      });
    },
  };
}
export type SurveysService = ReturnType<typeof surveysService>;
export type { Question };
