import type { MigrationContext } from '../src/platform/migrator';

/**
 * Real words, not templates. Saved replies: a short list per workspace a teammate may start a reply from, as a
 * draft to edit (a reply that is one of them unchanged is refused by the use case). And the line a teammate may
 * write when closing a conversation ("You told us exports timed out — we rebuilt them in March."), which the
 * contact's next survey invitation carries with that teammate's name, while it is their latest conversation.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE saved_replies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      title text NOT NULL,
      body text NOT NULL,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX saved_replies_workspace_idx ON saved_replies (workspace_id, title);

    -- The author's name is kept with the line: it is signed, and the teammate may leave.
    ALTER TABLE conversations ADD COLUMN closing_line text, ADD COLUMN closing_line_by text;
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE conversations DROP COLUMN closing_line, DROP COLUMN closing_line_by;
    DROP TABLE saved_replies;
  `);
}
