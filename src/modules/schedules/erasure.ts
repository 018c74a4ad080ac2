import type { Db } from '../../platform/db';
import type { ContactErasure } from '../contacts';

/**
 * A contact's erasure, for schedules: their deliveries (and so their reminders, clicks and scan marks) go, so
 * their links answer 404. Wave counters stay: the response rate of old waves loses them.
 */
export const schedulesErasure = (db: Db): ContactErasure => ({
  async messageIds(who, tx) {
    const rows = await db.query<{ messageId: string }>(
      `SELECT message_id AS "messageId" FROM deliveries
       WHERE workspace_id = :workspaceId AND contact_id = :contactId AND message_id IS NOT NULL
       UNION ALL
       SELECT m.message_id FROM reminders m JOIN deliveries d ON d.id = m.delivery_id
       WHERE d.workspace_id = :workspaceId AND d.contact_id = :contactId AND m.message_id IS NOT NULL`,
      who,
      tx,
    );
    return rows.map((r) => r.messageId);
  },
  async erase(who, tx) {
    await db.execute(`DELETE FROM deliveries WHERE workspace_id = :workspaceId AND contact_id = :contactId`, who, tx);
  },
});
