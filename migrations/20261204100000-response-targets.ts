import type { MigrationContext } from '../src/platform/migrator';

/**
 * Nobody waits too long. Each workspace sets how long an unhappy customer may wait for a first human answer
 * (`response_target_hours`, 24 by default). A conversation knows since when the customer has been waiting
 * (`awaiting_since`: the answer's time when it is made; cleared by the first reply; an inbound customer message
 * may set it again) and when it was first answered (`first_reply_at`, for the measures). Past the target, an
 * open unhappy conversation is overdue; the escalation job marks it `escalated_at` once, queues one email per
 * owner/admin (`escalations`, an outbox kind) and, through the trigger below, the `conversation.overdue` webhook.
 *
 * Both columns are kept by triggers, so every way a conversation or a reply is written (app, demo, API) agrees.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE workspaces ADD COLUMN response_target_hours integer NOT NULL DEFAULT 24
      CHECK (response_target_hours BETWEEN 1 AND 720);
    ALTER TABLE conversations ADD COLUMN awaiting_since timestamptz, ADD COLUMN first_reply_at timestamptz,
      ADD COLUMN escalated_at timestamptz;
    UPDATE conversations cv SET first_reply_at = r.first
      FROM (SELECT response_id, min(created_at) AS first FROM replies GROUP BY response_id) r
      WHERE r.response_id = cv.response_id;
    UPDATE conversations SET awaiting_since = submitted_at WHERE first_reply_at IS NULL;

    -- The inbox's "Overdue" view (longest wait first) and the escalation job's scan, both over the few open
    -- unhappy conversations still waiting.
    CREATE INDEX conversations_awaiting_idx ON conversations (workspace_id, awaiting_since, response_id)
      WHERE status = 'open' AND awaiting_since IS NOT NULL AND band IN ('detractor', 'low');
    CREATE INDEX conversations_escalation_due_idx ON conversations (awaiting_since)
      WHERE status = 'open' AND awaiting_since IS NOT NULL AND escalated_at IS NULL AND band IN ('detractor', 'low');

    CREATE FUNCTION rapport_conversation_awaits() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.awaiting_since := coalesce(NEW.awaiting_since, NEW.submitted_at);
      RETURN NEW;
    END $$;
    CREATE TRIGGER conversations_awaits BEFORE INSERT ON conversations
      FOR EACH ROW EXECUTE FUNCTION rapport_conversation_awaits();

    CREATE FUNCTION rapport_conversation_answered() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE conversations SET first_reply_at = coalesce(first_reply_at, NEW.created_at), awaiting_since = NULL
      WHERE response_id = NEW.response_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER replies_answer_conversation AFTER INSERT ON replies
      FOR EACH ROW EXECUTE FUNCTION rapport_conversation_answered();

    CREATE TABLE escalations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      response_id uuid NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
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
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX escalations_response_user_key ON escalations (response_id, user_id);
    CREATE INDEX escalations_due_idx ON escalations (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX escalations_lease_idx ON escalations (lease_until) WHERE status = 'sending';
    CREATE INDEX escalations_user_idx ON escalations (user_id);

    -- conversation.overdue, in the transaction that escalates (once: escalated_at is set once).
    CREATE FUNCTION rapport_webhook_overdue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF rapport_webhook_listened(NEW.workspace_id, 'conversation.overdue') THEN
        PERFORM rapport_webhook_emit(NEW.workspace_id, 'conversation.overdue',
          (SELECT r.contact_id FROM responses r WHERE r.id = NEW.response_id),
          rapport_webhook_conversation(NEW.response_id) || jsonb_build_object(
            'awaitingSince', NEW.awaiting_since,
            'targetHours', (SELECT w.response_target_hours FROM workspaces w WHERE w.id = NEW.workspace_id)));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER conversations_overdue_webhooks AFTER UPDATE OF escalated_at ON conversations
      FOR EACH ROW WHEN (OLD.escalated_at IS NULL AND NEW.escalated_at IS NOT NULL)
      EXECUTE FUNCTION rapport_webhook_overdue();
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TRIGGER conversations_overdue_webhooks ON conversations;
    DROP FUNCTION rapport_webhook_overdue();
    DROP TABLE escalations;
    DROP TRIGGER replies_answer_conversation ON replies;
    DROP TRIGGER conversations_awaits ON conversations;
    DROP FUNCTION rapport_conversation_answered(), rapport_conversation_awaits();
    ALTER TABLE conversations DROP COLUMN awaiting_since, DROP COLUMN first_reply_at, DROP COLUMN escalated_at;
    ALTER TABLE workspaces DROP COLUMN response_target_hours;
  `);
}
