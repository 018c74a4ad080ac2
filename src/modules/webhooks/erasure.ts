import type { Db } from '../../platform/db';
import type { ContactErasure } from '../contacts';

/**
 * A contact's erasure, for webhooks: the events about them (their payloads name them and quote them) go, and
 * with them their deliveries and the attempt log. What receivers already got is theirs to erase.
 */
export const webhooksErasure = (db: Db): ContactErasure => ({
  async erase(who, tx) {
    await db.execute(
      `DELETE FROM webhook_events WHERE workspace_id = :workspaceId AND contact_id = :contactId`,
      who,
      tx,
    );
  },
});
