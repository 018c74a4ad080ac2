import type { Db, Tx } from '../../platform/db';

/** Captured copies of a person's emails are personal data: an erasure deletes them by Message-ID. */
export const mailboxErasure =
  (db: Db) =>
  async (messageIds: string[], tx: Tx): Promise<void> => {
    if (messageIds.length)
      await db.execute(`DELETE FROM mailbox_messages WHERE message_id = ANY($1::text[])`, [messageIds], tx);
  };
