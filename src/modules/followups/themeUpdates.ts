import type { Db, Tx } from '../../platform/db';
import { found, invalid } from '../../platform/errors';
import { textSearchFor } from '../insights';

export type ThemeUpdate = {
  id: string;
  surveyId: string;
  surveyTitle: string;
  questionId: string;
  theme: string;
  body: string;
  authorName: string;
  status: 'draft' | 'sent';
  recipients: number | null;
  sentAt: Date | null;
};
export type Audience = { total: number; byOwner: number };

/**
 * The contacts of the workspace, still subscribed, whose answer to the survey's open question matches the theme
 * by the same full-text search (survey's language, websearch syntax: a phrase theme is quoted) the comment feed
 * uses when a theme is clicked: so the count shown is the people behind the theme's answers.
 */
const matching = `SELECT DISTINCT ct.id, ct.owner_user_id
  FROM responses r
  JOIN surveys s ON s.id = r.survey_id
  JOIN contacts ct ON ct.id = r.contact_id AND ct.workspace_id = r.workspace_id
  WHERE r.workspace_id = :workspaceId AND r.survey_id = :surveyId AND ct.status = 'subscribed'
    AND coalesce(btrim(r.answers ->> :questionId), '') <> ''
    AND to_tsvector(:config::regconfig, r.answers ->> :questionId) @@ websearch_to_tsquery(:config::regconfig, :theme)`;

/** "You said, we did": one update, written once, to everyone whose comment mentioned a theme. */
export function themeUpdates(db: Db, opts: { onQueued: () => void }) {
  const language = async (workspaceId: string, surveyId: string, tx?: Tx) =>
    found(
      db.one<{ language: string; title: string }>(
        `SELECT language, title FROM surveys WHERE workspace_id = :workspaceId AND id = :surveyId`,
        { workspaceId, surveyId },
        tx,
      ),
      'survey',
    );

  async function audience(
    workspaceId: string,
    t: { surveyId: string; questionId: string; theme: string },
    tx?: Tx,
  ): Promise<Audience> {
    const { language: lang } = await language(workspaceId, t.surveyId, tx);
    return (await db.one<Audience>(
      `SELECT count(*)::int AS total, count(m.owner_user_id) FILTER (WHERE EXISTS (
         SELECT 1 FROM memberships ms WHERE ms.user_id = m.owner_user_id AND ms.workspace_id = :workspaceId))::int AS "byOwner"
       FROM (${matching}) m`,
      { workspaceId, ...t, config: textSearchFor(lang).config },
      tx,
    ))!;
  }

  const find = (workspaceId: string, id: string, tx?: Tx) =>
    found(
      db.one<ThemeUpdate>(
        `SELECT u.id, u.survey_id AS "surveyId", s.title AS "surveyTitle", u.question_id AS "questionId", u.theme, u.body,
           u.author_name AS "authorName", u.status, u.recipients, u.sent_at AS "sentAt"
         FROM theme_updates u JOIN surveys s ON s.id = u.survey_id
         WHERE u.workspace_id = :workspaceId AND u.id = :id${tx ? ' FOR UPDATE OF u' : ''}`,
        { workspaceId, id },
        tx,
      ),
      'update',
    );

  return {
    audience,
    surveyTitle: async (workspaceId: string, surveyId: string) => (await language(workspaceId, surveyId)).title,
    find,

    /** Keeps the update as a draft (nothing is sent before the confirmation page); refused when nobody would get it. */
    async draft(
      workspaceId: string,
      author: { id: string; name: string },
      u: { surveyId: string; questionId: string; theme: string; body: string },
    ) {
      if (!(await audience(workspaceId, u)).total)
        throw invalid(`Nobody still subscribed wrote about “${u.theme}”: there is no one to tell.`);
      return (await db.one<{ id: string }>(
        `INSERT INTO theme_updates (workspace_id, survey_id, question_id, theme, body, author_user_id, author_name)
         VALUES (:workspaceId, :surveyId, :questionId, :theme, :body, :authorId, :authorName) RETURNING id`,
        { workspaceId, ...u, authorId: author.id, authorName: author.name },
      ))!.id;
    },

    /**
     * Queues one message per matching contact, in one transaction with the update locked: a second confirm (a
     * double click, two tabs) finds it sent and queues nobody again. How many it went to is what was matched now.
     */
    async send(workspaceId: string, id: string) {
      const queued = await db.transaction(async (tx) => {
        const u = await find(workspaceId, id, tx);
        if (u.status === 'sent') return 0;
        const { language: lang } = await language(workspaceId, u.surveyId, tx);
        const n = await db.execute(
          `INSERT INTO theme_update_messages (workspace_id, update_id, contact_id)
           SELECT :workspaceId, :id, m.id FROM (${matching}) m ON CONFLICT DO NOTHING`,
          {
            workspaceId,
            id,
            surveyId: u.surveyId,
            questionId: u.questionId,
            theme: u.theme,
            config: textSearchFor(lang).config,
          },
          tx,
        );
        await db.execute(
          `UPDATE theme_updates SET status = 'sent', recipients = :n, sent_at = now() WHERE workspace_id = :workspaceId AND id = :id`,
          { workspaceId, id, n },
          tx,
        );
        return n;
      });
      if (queued) opts.onQueued();
      return queued;
    },
  };
}
export type ThemeUpdates = ReturnType<typeof themeUpdates>;
