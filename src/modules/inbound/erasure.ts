import type { Db } from '../../platform/db';
import { messageIdsBy, type ContactErasure } from '../contacts';

/**
 * A contact's erasure, for inbound: the messages they sent (in their conversations, and unmatched ones from their
 * address in this workspace) and the notices that quoted them. Found through their answers, so it runs before
 * responses anonymises them.
 */
export const inboundErasure = (db: Db): ContactErasure => ({
  messageIds: messageIdsBy(
    db,
    `SELECT n.message_id FROM customer_reply_notices n JOIN inbound_messages im ON im.id = n.inbound_message_id
     JOIN responses r ON r.id = im.response_id
     WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId AND n.message_id IS NOT NULL`,
  ),
  async erase(who, tx) {
    await db.execute(
      `DELETE FROM inbound_messages im USING responses r
       WHERE im.response_id = r.id AND r.workspace_id = :workspaceId AND r.contact_id = :contactId`,
      who,
      tx,
    );
    await db.execute(
      `DELETE FROM inbound_messages im USING contacts c
       WHERE im.workspace_id = :workspaceId AND im.response_id IS NULL AND c.id = :contactId
         AND lower(im.from_address) = lower(c.email)`,
      who,
      tx,
    );
  },
});
