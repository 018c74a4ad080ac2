import type { MigrationContext } from '../src/platform/migrator';

/**
 * The built-in mailbox is scoped to a workspace: each captured message belongs to the workspace that sent it,
 * and only that workspace's owners and admins read it.
 *
 * The workspace comes from the sender, not from the recipients: the delivery worker knows the workspace of
 * every message it sends, and for the built-in mailbox only it stamps it in an `X-Rapport-Workspace` header
 * (never for a real relay). Recipients cannot say it: the same address can be a contact of two workspaces,
 * or a teammate here and a customer there, and a copy matched by address would show one workspace's mail to
 * another. Messages captured before this migration are matched once by their Message-ID against the outbox
 * rows that recorded it; any left unmatched belong to nobody and are shown to no one.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE mailbox_messages ADD COLUMN workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE;
    UPDATE mailbox_messages m SET workspace_id = sent.workspace_id
    FROM (
      SELECT message_id, workspace_id FROM deliveries WHERE message_id IS NOT NULL
      UNION ALL
      SELECT r.message_id, d.workspace_id FROM reminders r JOIN deliveries d ON d.id = r.delivery_id WHERE r.message_id IS NOT NULL
      UNION ALL
      SELECT message_id, workspace_id FROM replies WHERE message_id IS NOT NULL
      UNION ALL
      SELECT message_id, workspace_id FROM alerts WHERE message_id IS NOT NULL
    ) sent
    WHERE sent.message_id = m.message_id;
    CREATE INDEX mailbox_messages_workspace_idx ON mailbox_messages (workspace_id, id DESC);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`ALTER TABLE mailbox_messages DROP COLUMN workspace_id;`);
}
