import type { MigrationContext } from '../src/platform/migrator';

/**
 * "You said, we did": from a theme of a survey's comments, a teammate writes one update for every contact whose
 * comment mentioned it. `theme_updates` is the update (a draft until confirmed, then sent, with how many it went
 * to); `theme_update_messages` is its outbox kind: one message per contact, signed by the contact's owner where
 * they have one (else the author), unique per (update, contact) so a double confirm queues nobody twice.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE theme_updates (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      question_id text NOT NULL,
      theme text NOT NULL,
      body text NOT NULL,
      author_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      author_name text NOT NULL,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent')),
      recipients integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz
    );
    CREATE INDEX theme_updates_workspace_idx ON theme_updates (workspace_id, created_at DESC);

    CREATE TABLE theme_update_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      update_id uuid NOT NULL REFERENCES theme_updates(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      claim_token uuid,
      smtp_started_at timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX theme_update_messages_key ON theme_update_messages (update_id, contact_id);
    CREATE INDEX theme_update_messages_due_idx ON theme_update_messages (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX theme_update_messages_lease_idx ON theme_update_messages (lease_until) WHERE status = 'sending';
    CREATE INDEX theme_update_messages_contact_idx ON theme_update_messages (contact_id);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP TABLE theme_update_messages, theme_updates;`);
}
