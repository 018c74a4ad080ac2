import type { Db, Tx } from '../../platform/db';

/** Who is being erased. */
export type ErasedContact = { workspaceId: string; contactId: string; email: string };

/**
 * One module's part of erasing a contact, run in the erase transaction. Contacts orchestrates; each module
 * deletes or anonymises only its own tables (app.ts hands the parts in, so contacts imports none of them).
 */
export type ContactErasure = {
  /** Message-IDs of the emails this module sent the person: captured copies of them are deleted first. */
  messageIds?(who: ErasedContact, tx: Tx): Promise<string[]>;
  erase(who: ErasedContact, tx: Tx): Promise<void>;
};

/** A part's messageIds from one statement selecting `message_id` for `:workspaceId` and `:contactId`. */
export const messageIdsBy =
  (db: Db, sql: string) =>
  async (who: ErasedContact, tx: Tx): Promise<string[]> =>
    (await db.query<{ message_id: string }>(sql, who, tx)).map((r) => r.message_id);

/**
 * The parts, in order (a part that finds rows through the person's answers runs before responses anonymises
 * them), and the mailbox's way to forget captured copies.
 */
export type ErasureParts = { parts: ContactErasure[]; forgetMessages: (messageIds: string[], tx: Tx) => Promise<void> };
