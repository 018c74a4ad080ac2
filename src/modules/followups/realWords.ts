import type { Db, Tx } from '../../platform/db';
import { invalid } from '../../platform/errors';
import { STARTERS } from './followups.schemas';

export type SavedReply = { id: string; title: string; body: string; createdAt: Date };

/** Saved replies: the only SQL on `saved_replies`, always scoped to the workspace. */
export const savedRepliesRepository = (db: Db) => ({
  list: (workspaceId: string) =>
    db.query<SavedReply>(
      `SELECT id, title, body, created_at AS "createdAt" FROM saved_replies WHERE workspace_id = :workspaceId
       ORDER BY lower(title), id`,
      { workspaceId },
    ),
  find: (workspaceId: string, id: string) =>
    db.one<SavedReply>(
      `SELECT id, title, body, created_at AS "createdAt" FROM saved_replies WHERE workspace_id = :workspaceId AND id = :id`,
      { workspaceId, id },
    ),
  add: (workspaceId: string, userId: string, r: { title: string; body: string }) =>
    db.execute(
      `INSERT INTO saved_replies (workspace_id, title, body, created_by) VALUES (:workspaceId, :title, :body, :userId)`,
      { workspaceId, userId, ...r },
    ),
  remove: (workspaceId: string, id: string) =>
    db.execute(`DELETE FROM saved_replies WHERE workspace_id = :workspaceId AND id = :id`, { workspaceId, id }),
  count: async (workspaceId: string, tx?: Tx) =>
    (await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM saved_replies WHERE workspace_id = :workspaceId`,
      { workspaceId },
      tx,
    ))!.n,
});

/** A workspace keeps a short list: a long one turns into a mail-merge library. */
export const SAVED_REPLIES_MAX = 20;

/**
 * Words compared for "unchanged": case, spacing, punctuation and symbols do not count, so "How can I help? " or
 * "i'm sorry —" are the starter itself.
 */
const gist = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .trim();

/**
 * Refuses (422, on the reply box) a reply that is a starter alone or a saved reply unchanged: those are for
 * starting, and the customer should read what this teammate would say to them.
 */
export function refuseTemplate(body: string, saved: { title: string; body: string }[]) {
  const said = gist(body);
  const ask = 'add what you would say to this person — what they told you, what you will do — and send it as yours.';
  const starter = Object.values(STARTERS).find((s) => gist(s) === said);
  if (!said || starter !== undefined)
    throw invalid('Make it yours before sending.', {
      body: `“${(starter ?? body).trim()}” is a starter, not a reply yet: ${ask}`,
    });
  const unchanged = saved.find((s) => gist(s.body) === said);
  if (unchanged)
    throw invalid('Make it yours before sending.', {
      body: `This is the saved reply “${unchanged.title}” word for word: ${ask}`,
    });
}
