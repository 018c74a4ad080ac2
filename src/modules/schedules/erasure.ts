import type { Db } from '../../platform/db';
import { messageIdsBy, type ContactErasure } from '../contacts';

/**
 * A contact's erasure, for schedules: their deliveries (and so their reminders, clicks and scan marks) go, so
 * their links answer 404. Wave counters stay: the response rate of old waves loses them.
 */
export const schedulesErasure = (db: Db): ContactErasure => ({
  messageIds: messageIdsBy(
    db,
    `SELECT message_id FROM deliveries
     WHERE workspace_id = :workspaceId AND contact_id = :contactId AND message_id IS NOT NULL
     UNION ALL
     SELECT m.message_id FROM reminders m JOIN deliveries d ON d.id = m.delivery_id
     WHERE d.workspace_id = :workspaceId AND d.contact_id = :contactId AND m.message_id IS NOT NULL`,
  ),
  async erase(who, tx) {
    await db.execute(`DELETE FROM deliveries WHERE workspace_id = :workspaceId AND contact_id = :contactId`, who, tx);
  },
});
