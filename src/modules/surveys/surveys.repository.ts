import type { Db, Tx } from '../../platform/db';
import type { Question } from './questions';
import type { SurveySettings } from './surveys.schemas';
import type { SurveyCopies } from './translations';

export type Survey = {
  id: string;
  workspaceId: string;
  title: string;
  template: string;
  language: string;
  status: 'active' | 'archived';
  currentVersion: number;
  questions: Question[];
  intro: string;
  /** The invitation's subject in the default language; '' means the title. */
  subject: string;
  /** Subject and intro in the other languages (question translations are inside `questions`). */
  translations: SurveyCopies;
  senderUserId: string | null;
  closesAt: Date | null;
  thankYouUrl: string | null;
  publicLinkEnabled: boolean;
  createdAt: Date;
};

export type VersionSummary = { version: number; createdAt: Date; responses: number; waves: number };

const SURVEY_COLUMNS = `s.id, s.workspace_id AS "workspaceId", s.title, s.template, s.language, s.status,
  s.current_version AS "currentVersion", v.questions, s.intro, s.subject, s.translations,
  s.sender_user_id AS "senderUserId",
  s.closes_at AS "closesAt", s.thank_you_url AS "thankYouUrl", s.public_link_enabled AS "publicLinkEnabled",
  s.created_at AS "createdAt"`;
const FROM = `FROM surveys s JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.current_version`;

export const surveysRepository = (db: Db) => ({
  async create(workspaceId: string, s: { title: string; template: string; questions: Question[] }, tx: Tx) {
    const { id } = (await db.one<{ id: string }>(
      `INSERT INTO surveys (workspace_id, title, template) VALUES (:workspaceId, :title, :template) RETURNING id`,
      { workspaceId, title: s.title, template: s.template },
      tx,
    ))!;
    await db.execute(
      `INSERT INTO survey_versions (survey_id, version, questions) VALUES (:id, 1, :questions)`,
      { id, questions: JSON.stringify(s.questions) },
      tx,
    );
    return id;
  },

  list: (workspaceId: string) =>
    db.query<Survey & { responses: number }>(
      `SELECT ${SURVEY_COLUMNS},
         (SELECT count(*) FROM responses r WHERE r.survey_id = s.id) AS responses
       ${FROM} WHERE s.workspace_id = :workspaceId ORDER BY s.status, s.created_at DESC`,
      { workspaceId },
    ),

  find: (workspaceId: string, id: string, tx?: Tx) =>
    db.one<Survey>(
      `SELECT ${SURVEY_COLUMNS} ${FROM} WHERE s.workspace_id = :workspaceId AND s.id = :id${tx ? ' FOR UPDATE OF s' : ''}`,
      { workspaceId, id },
      tx,
    ),

  findVersion: (surveyId: string, version: number) =>
    db.one<{ questions: Question[] }>(
      `SELECT questions FROM survey_versions WHERE survey_id = :surveyId AND version = :version`,
      {
        surveyId,
        version,
      },
    ),

  versions: (workspaceId: string, surveyId: string) =>
    db.query<VersionSummary>(
      `SELECT v.version, v.created_at AS "createdAt",
         (SELECT count(*) FROM responses r WHERE r.survey_id = v.survey_id AND r.survey_version = v.version) AS responses,
         (SELECT count(*) FROM waves w WHERE w.survey_id = v.survey_id AND w.survey_version = v.version) AS waves
       FROM survey_versions v JOIN surveys s ON s.id = v.survey_id
       WHERE s.workspace_id = :workspaceId AND v.survey_id = :surveyId ORDER BY v.version DESC`,
      { workspaceId, surveyId },
    ),

  /** A version is in use once an invitation went out on it or someone answered it: it is then frozen. */
  async versionInUse(surveyId: string, version: number, tx: Tx) {
    const row = await db.one<{ used: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM responses WHERE survey_id = :surveyId AND survey_version = :version)
           OR EXISTS (SELECT 1 FROM waves WHERE survey_id = :surveyId AND survey_version = :version) AS used`,
      { surveyId, version },
      tx,
    );
    return !!row?.used;
  },

  async responseCount(surveyId: string, tx?: Tx) {
    return (await db.one<{ n: number }>(
      `SELECT count(*) AS n FROM responses WHERE survey_id = :surveyId`,
      { surveyId },
      tx,
    ))!.n;
  },

  async publishVersion(surveyId: string, version: number, questions: Question[], tx: Tx) {
    await db.execute(
      `INSERT INTO survey_versions (survey_id, version, questions) VALUES (:surveyId, :version, :questions)`,
      { surveyId, version, questions: JSON.stringify(questions) },
      tx,
    );
  },

  async replaceQuestions(surveyId: string, version: number, questions: Question[], tx: Tx) {
    await db.execute(
      `UPDATE survey_versions SET questions = :questions WHERE survey_id = :surveyId AND version = :version`,
      { surveyId, version, questions: JSON.stringify(questions) },
      tx,
    );
  },

  async updateSettings(workspaceId: string, id: string, s: SurveySettings & { currentVersion: number }, tx: Tx) {
    await db.execute(
      `UPDATE surveys SET title = :title, intro = :intro, subject = :subject, translations = :translations, language = :language, sender_user_id = :senderUserId,
         closes_at = :closesAt, thank_you_url = :thankYouUrl, public_link_enabled = :publicLinkEnabled,
         current_version = :currentVersion, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id`,
      { workspaceId, id, ...s, translations: JSON.stringify(s.translations) },
      tx,
    );
  },

  setStatus: (workspaceId: string, id: string, status: 'active' | 'archived') =>
    db.execute(
      `UPDATE surveys SET status = :status, updated_at = now() WHERE workspace_id = :workspaceId AND id = :id`,
      {
        workspaceId,
        id,
        status,
      },
    ),

  remove: (workspaceId: string, id: string, tx: Tx) =>
    db.execute(`DELETE FROM surveys WHERE workspace_id = :workspaceId AND id = :id`, { workspaceId, id }, tx),
});
