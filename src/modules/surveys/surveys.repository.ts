import type { Transaction } from 'sequelize';
import type { Db } from '../../platform/db';
import type { Question } from './questions';

export type Survey = {
  id: string;
  workspaceId: string;
  title: string;
  template: string;
  language: string;
  status: 'active' | 'archived';
  currentVersion: number;
  questions: Question[];
  createdAt: Date;
};

const SURVEY_COLUMNS = `s.id, s.workspace_id AS "workspaceId", s.title, s.template, s.language, s.status,
  s.current_version AS "currentVersion", v.questions, s.created_at AS "createdAt"`;
const FROM = `FROM surveys s JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.current_version`;

export const surveysRepository = (db: Db) => ({
  async create(workspaceId: string, s: { title: string; template: string; questions: Question[] }, tx: Transaction) {
    const { id } = (await db.one<{ id: string }>(
      `INSERT INTO surveys (workspace_id, title, template) VALUES (:workspaceId, :title, :template) RETURNING id`,
      { workspaceId, title: s.title, template: s.template },
      tx,
    ))!;
    await db.query(
      `INSERT INTO survey_versions (survey_id, version, questions) VALUES (:id, 1, :questions) RETURNING version`,
      { id, questions: JSON.stringify(s.questions) },
      tx,
    );
    return id;
  },

  list: (workspaceId: string) =>
    db.query<Survey & { responses: number }>(
      `SELECT ${SURVEY_COLUMNS},
         (SELECT count(*) FROM responses r WHERE r.survey_id = s.id) AS responses
       ${FROM} WHERE s.workspace_id = :workspaceId ORDER BY s.created_at DESC`,
      { workspaceId },
    ),

  find: (workspaceId: string, id: string) =>
    db.one<Survey>(`SELECT ${SURVEY_COLUMNS} ${FROM} WHERE s.workspace_id = :workspaceId AND s.id = :id`, { workspaceId, id }),

  findVersion: (surveyId: string, version: number) =>
    db.one<{ questions: Question[] }>(`SELECT questions FROM survey_versions WHERE survey_id = :surveyId AND version = :version`, {
      surveyId,
      version,
    }),
});
