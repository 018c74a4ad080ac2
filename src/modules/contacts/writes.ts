import type { Db } from '../../platform/db';
import { contactsRepository } from './contacts.repository';

/**
 * The writes to `contacts` other modules ask for: the respondent's unsubscribe, the outbox's hard bounce, a
 * wave's invitation date. Contacts owns the table; nobody else writes it.
 */
export function contactWrites(db: Db) {
  const repo = contactsRepository(db);
  return { unsubscribe: repo.unsubscribe, bounce: repo.bounce, invited: repo.invited };
}
