import type { Db, Tx } from '../../platform/db';
import { contactsRepository } from './contacts.repository';

/**
 * The writes to `contacts` other modules ask for: the respondent's unsubscribe, the outbox's hard bounce, a
 * wave's invitation date, a leaving teammate's hand-over. Contacts owns the table; nobody else writes it.
 */
export function contactWrites(db: Db) {
  const repo = contactsRepository(db);
  return { unsubscribe: repo.unsubscribe, bounce: repo.bounce, invited: repo.invited };
}

/** When a teammate leaves: the contacts they own go to the teammate chosen (accounts' removal asks for it). */
export const contactsHandOver = (db: Db) => ({
  async describe(workspaceId: string, fromUserId: string, successor: string) {
    const { n } = (await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM contacts WHERE workspace_id = :workspaceId AND owner_user_id = :fromUserId`,
      { workspaceId, fromUserId },
    ))!;
    return n
      ? `The ${n === 1 ? 'contact' : `${n} contacts`} they own ${n === 1 ? 'goes' : 'go'} to ${successor}, who signs their survey emails and gets their unhappy answers from now on.`
      : 'They own no contacts.';
  },
  move: (workspaceId: string, fromUserId: string, toUserId: string, tx: Tx): Promise<number> =>
    db.execute(
      `UPDATE contacts SET owner_user_id = :toUserId, updated_at = now()
       WHERE workspace_id = :workspaceId AND owner_user_id = :fromUserId`,
      { workspaceId, fromUserId, toUserId },
      tx,
    ),
});
