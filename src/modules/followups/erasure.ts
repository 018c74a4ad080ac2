import type { Db } from '../../platform/db';
import { messageIdsBy, type ContactErasure } from '../contacts';

/**
 * A contact's erasure, for followups: replies to them, and the team's notes and alerts about their answers
 * (alerts and escalations quote their name and comment), queued or sent. Found through their answers, so it runs before
 * responses anonymises them.
 */
export const followupsErasure = (db: Db): ContactErasure => ({
  messageIds: messageIdsBy(
    db,
    `SELECT message_id FROM replies WHERE workspace_id = :workspaceId AND contact_id = :contactId AND message_id IS NOT NULL
     UNION ALL
     SELECT a.message_id FROM alerts a JOIN responses r ON r.id = a.response_id
     WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId AND a.message_id IS NOT NULL
     UNION ALL
     SELECT message_id FROM theme_update_messages WHERE workspace_id = :workspaceId AND contact_id = :contactId AND message_id IS NOT NULL
     UNION ALL
     SELECT e.message_id FROM escalations e JOIN responses r ON r.id = e.response_id
     WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId AND e.message_id IS NOT NULL`,
  ),
  async erase(who, tx) {
    await db.execute(
      `DELETE FROM followup_notes n USING responses r
       WHERE n.response_id = r.id AND r.workspace_id = :workspaceId AND r.contact_id = :contactId`,
      who,
      tx,
    );
    await db.execute(
      `DELETE FROM alerts a USING responses r
       WHERE a.response_id = r.id AND r.workspace_id = :workspaceId AND r.contact_id = :contactId`,
      who,
      tx,
    );
    await db.execute(
      `DELETE FROM escalations e USING responses r
       WHERE e.response_id = r.id AND r.workspace_id = :workspaceId AND r.contact_id = :contactId`,
      who,
      tx,
    );
    // The closing line is the teammate's words about this person's answer.
    await db.execute(
      `UPDATE conversations cv SET closing_line = NULL, closing_line_by = NULL FROM responses r
       WHERE cv.response_id = r.id AND r.workspace_id = :workspaceId AND r.contact_id = :contactId`,
      who,
      tx,
    );
    await db.execute(
      `DELETE FROM theme_update_messages WHERE workspace_id = :workspaceId AND contact_id = :contactId`,
      who,
      tx,
    );
    await db.execute(`DELETE FROM replies WHERE workspace_id = :workspaceId AND contact_id = :contactId`, who, tx);
  },
});
