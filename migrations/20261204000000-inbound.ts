import type { MigrationContext } from '../src/platform/migrator';

/**
 * The customer's answer comes back (issue 13): mail received by Rapport's own SMTP listener or polled from an
 * IMAP mailbox lands here, matched to a conversation only by something Rapport itself made.
 *
 * - `reply_addresses`: one per conversation that got a personal reply, `reply+<token>@<INBOUND_DOMAIN>`. The
 *   token is random (256 bits); we keep its SHA-256 to look it up and a copy sealed with the app key so every
 *   later reply of the conversation carries the same address (as a response link's token is kept).
 * - `inbound_messages`: every message received, once (the Message-ID is unique: the same message delivered
 *   twice, by SMTP and by IMAP, or by two instances, is stored once). `response_id` is the conversation it was
 *   matched to, NULL when nothing of ours matched (kept for owners and admins, never attached at random).
 *   `workspace_id` is NULL only for an unmatched message nobody can be told from (see inbound/README.md).
 *   Only the text (quoted history stripped) and the attachments' names, types and sizes are kept, not their bodies.
 * - `customer_reply_notices`: the outbox of the `customerReply` mail kind, one email per teammate to tell
 *   (the conversation's owner, else its owners and admins), unique per message and teammate.
 * - A webhook event, `conversation.customer_replied`, for a matched message that is not an auto-reply nor a
 *   bounce, written by a trigger like the other conversation events.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE reply_addresses (
      response_id uuid PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      token_hash bytea NOT NULL UNIQUE,
      token_sealed text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX reply_addresses_workspace_idx ON reply_addresses (workspace_id);

    CREATE TABLE inbound_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
      response_id uuid REFERENCES responses(id) ON DELETE CASCADE,
      -- The Message-ID as sent (or a digest of the raw message when it has none): what makes a second copy a copy.
      message_id text NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('reply', 'auto_reply', 'bounce')),
      matched_by text CHECK (matched_by IN ('token', 'message_id')),
      source text NOT NULL CHECK (source IN ('smtp', 'imap')),
      from_address text NOT NULL,
      from_name text NOT NULL DEFAULT '',
      to_text text NOT NULL DEFAULT '',
      subject text NOT NULL DEFAULT '',
      body text NOT NULL DEFAULT '',
      attachments jsonb NOT NULL DEFAULT '[]',
      -- What a bounce said (the DSN's status and the message it was about), or why a message stayed unmatched.
      note text,
      received_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((response_id IS NULL) = (matched_by IS NULL))
    );
    CREATE INDEX inbound_messages_thread_idx ON inbound_messages (response_id, received_at) WHERE response_id IS NOT NULL;
    CREATE INDEX inbound_messages_unmatched_idx ON inbound_messages (workspace_id, received_at DESC) WHERE response_id IS NULL;

    CREATE TABLE customer_reply_notices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      inbound_message_id uuid NOT NULL REFERENCES inbound_messages(id) ON DELETE CASCADE,
      -- Kept when the teammate is removed, so the claim can end it as suppressed and say why.
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
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
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (inbound_message_id, user_id)
    );
    CREATE INDEX customer_reply_notices_due_idx ON customer_reply_notices (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX customer_reply_notices_lease_idx ON customer_reply_notices (lease_until) WHERE status = 'sending';
    CREATE INDEX customer_reply_notices_user_idx ON customer_reply_notices (user_id);

    CREATE FUNCTION rapport_webhook_customer_replied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF rapport_webhook_listened(NEW.workspace_id, 'conversation.customer_replied') THEN
        PERFORM rapport_webhook_emit(NEW.workspace_id, 'conversation.customer_replied',
          (SELECT r.contact_id FROM responses r WHERE r.id = NEW.response_id),
          rapport_webhook_conversation(NEW.response_id) || jsonb_build_object('message', jsonb_build_object(
            'id', NEW.id, 'body', NEW.body, 'subject', NEW.subject, 'receivedAt', NEW.received_at,
            'from', jsonb_build_object('name', NEW.from_name, 'email', NEW.from_address),
            'attachments', NEW.attachments)));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER inbound_messages_webhooks AFTER INSERT ON inbound_messages
      FOR EACH ROW WHEN (NEW.response_id IS NOT NULL AND NEW.kind = 'reply')
      EXECUTE FUNCTION rapport_webhook_customer_replied();
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TRIGGER inbound_messages_webhooks ON inbound_messages;
    DROP FUNCTION rapport_webhook_customer_replied();
    DROP TABLE customer_reply_notices, inbound_messages, reply_addresses;
  `);
}
