import type { MigrationContext } from '../src/platform/migrator';

/**
 * Outgoing webhooks: endpoints a workspace registers, the events Rapport emits, and an outbox kind that posts
 * them (signed per Standard Webhooks, or as a Slack message).
 *
 * Events are decided by triggers, like conversations and alerts: every code path that changes a response, a
 * conversation or a contact — the respondent's page, the inbox, the REST API, an import — emits in the SAME
 * transaction as the change, so an event can neither be lost (change committed, event not) nor invented
 * (event queued, change rolled back). A workspace with no endpoint listening pays one index probe per change.
 *
 * An event is stored once (`webhook_events`, the payload as it was at that moment) and delivered once per
 * listening endpoint (`webhook_deliveries`, an outbox table: same states, lease and retries as email). Each
 * HTTP attempt is logged (`webhook_attempts`). An endpoint disabled by the worker (410, or a day of failures)
 * tells the workspace's owners and admins by email (`webhook_notices`, a mail outbox kind).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      url text NOT NULL,
      description text NOT NULL DEFAULT '',
      format text NOT NULL DEFAULT 'standard' CHECK (format IN ('standard', 'slack')),
      events text[] NOT NULL CHECK (cardinality(events) > 0),
      -- Sealed with the app key (the worker signs with it); NULL for Slack, which verifies nothing.
      secret_sealed text,
      -- After a rotation both secrets sign for a while, so a receiver can switch without dropping a message.
      previous_secret_sealed text,
      previous_secret_until timestamptz,
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text,
      disabled_at timestamptz,
      last_success_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((format = 'slack') = (secret_sealed IS NULL))
    );
    CREATE INDEX webhook_endpoints_workspace_idx ON webhook_endpoints (workspace_id, created_at);

    CREATE TABLE webhook_events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      type text NOT NULL,
      -- The person the payload is about: erasing them deletes the events (and so their deliveries and log).
      contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_events_contact_idx ON webhook_events (contact_id) WHERE contact_id IS NOT NULL;

    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      -- The claim holding the row and when its attempt started (every outbox table has them: 20261202900000).
      claim_token uuid,
      smtp_started_at timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (event_id, endpoint_id)
    );
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX webhook_deliveries_lease_idx ON webhook_deliveries (lease_until) WHERE status = 'sending';
    CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

    CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      -- Every table carries its workspace (docs/scaling.md: the path to distributing by workspace_id).
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      attempted_at timestamptz NOT NULL DEFAULT now(),
      status_code integer,
      latency_ms integer NOT NULL,
      response_excerpt text,
      error text
    );
    CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);

    -- "Your endpoint was disabled": one email per owner/admin, through the outbox.
    CREATE TABLE webhook_notices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      reason text NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      -- The claim holding the row and when its attempt started (every outbox table has them: 20261202900000).
      claim_token uuid,
      smtp_started_at timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_notices_due_idx ON webhook_notices (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX webhook_notices_lease_idx ON webhook_notices (lease_until) WHERE status = 'sending';
    CREATE INDEX webhook_notices_user_idx ON webhook_notices (user_id);

    -- Queues one event for every enabled endpoint of the workspace listening to its type. Nothing is written
    -- when none listens. Of answers, a Slack endpoint hears only unhappy confirmed ones, five minutes after the
    -- confirmation (the comment that says why usually follows the score; the message is read when sent).
    CREATE FUNCTION rapport_webhook_emit(ws uuid, event_type text, contact uuid, data jsonb) RETURNS void
      LANGUAGE sql AS $$
      WITH targets AS (
        SELECT e.id, e.format FROM webhook_endpoints e
        WHERE e.workspace_id = ws AND e.enabled AND event_type = ANY (e.events)
          AND (e.format <> 'slack' OR event_type NOT LIKE 'response.%'
               OR (event_type = 'response.confirmed' AND data->>'band' IN ('detractor', 'low')))),
      event AS (
        INSERT INTO webhook_events (workspace_id, type, contact_id, payload)
        SELECT ws, event_type, contact, jsonb_build_object('type', event_type,
          'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', data)
        WHERE EXISTS (SELECT 1 FROM targets)
        RETURNING id)
      INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id, next_attempt_at)
      SELECT ws, t.id, event.id,
        now() + CASE WHEN t.format = 'slack' AND event_type = 'response.confirmed' THEN interval '5 minutes' ELSE interval '0' END
      FROM targets t, event
    $$;

    -- The cheap question asked before any payload is built: does anyone listen?
    CREATE FUNCTION rapport_webhook_listened(ws uuid, event_type text) RETURNS boolean LANGUAGE sql STABLE AS $$
      SELECT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.workspace_id = ws AND e.enabled AND event_type = ANY (e.events))
    $$;

    CREATE FUNCTION rapport_webhook_contact(contact uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object('id', c.id, 'email', c.email, 'name', c.name, 'locale', c.locale, 'status', c.status,
        'tags', to_jsonb(c.tags), 'properties', c.properties)
      FROM contacts c WHERE c.id = contact
    $$;

    CREATE FUNCTION rapport_webhook_response(response uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object('id', r.id, 'survey', jsonb_build_object('id', s.id, 'title', s.title),
        'surveyVersion', r.survey_version, 'score', r.score, 'band', rapport_score_band(v.questions, r.score),
        'comment', r.comment, 'answers', r.answers, 'locale', r.locale,
        'submittedAt', r.submitted_at, 'completedAt', r.completed_at, 'updatedAt', r.updated_at,
        'contact', rapport_webhook_contact(r.contact_id))
      FROM responses r JOIN surveys s ON s.id = r.survey_id
      LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
      WHERE r.id = response
    $$;

    -- created: the first answer is stored (it may be partial); confirmed: the respondent's Send (once, ever);
    -- updated: a confirmed answer changed afterwards. Saves of an answer still being written are not events.
    CREATE FUNCTION rapport_webhook_response_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      types text[] := '{}';
      t text;
      data jsonb;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        types := ARRAY['response.created'];
        IF NEW.completed_at IS NOT NULL THEN types := array_append(types, 'response.confirmed'); END IF;
      ELSIF OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL THEN
        types := ARRAY['response.confirmed'];
      ELSIF OLD.completed_at IS NOT NULL AND (OLD.score IS DISTINCT FROM NEW.score
          OR OLD.comment IS DISTINCT FROM NEW.comment OR OLD.answers IS DISTINCT FROM NEW.answers) THEN
        types := ARRAY['response.updated'];
      END IF;
      FOREACH t IN ARRAY types LOOP
        IF rapport_webhook_listened(NEW.workspace_id, t) THEN
          data := coalesce(data, rapport_webhook_response(NEW.id));
          PERFORM rapport_webhook_emit(NEW.workspace_id, t, NEW.contact_id, data);
        END IF;
      END LOOP;
      RETURN NULL;
    END $$;
    CREATE TRIGGER responses_webhooks AFTER INSERT OR UPDATE OF score, comment, answers, completed_at, contact_id ON responses
      FOR EACH ROW EXECUTE FUNCTION rapport_webhook_response_changed();

    CREATE FUNCTION rapport_webhook_contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE t text := 'contact.' || NEW.status;
    BEGIN
      IF rapport_webhook_listened(NEW.workspace_id, t) THEN
        PERFORM rapport_webhook_emit(NEW.workspace_id, t, NEW.id, rapport_webhook_contact(NEW.id));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER contacts_webhooks AFTER UPDATE OF status ON contacts
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('unsubscribed', 'bounced'))
      EXECUTE FUNCTION rapport_webhook_contact_changed();

    CREATE FUNCTION rapport_webhook_conversation(response uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object('id', c.response_id, 'responseId', c.response_id, 'survey', jsonb_build_object('id', s.id, 'title', s.title),
        'band', c.band, 'status', c.status, 'closedAt', c.closed_at,
        'owner', CASE WHEN o.id IS NULL THEN NULL ELSE jsonb_build_object('id', o.id, 'name', o.name, 'email', o.email) END,
        'contact', rapport_webhook_contact(r.contact_id))
      FROM conversations c JOIN responses r ON r.id = c.response_id JOIN surveys s ON s.id = c.survey_id
      LEFT JOIN users o ON o.id = c.owner_user_id
      WHERE c.response_id = response
    $$;

    CREATE FUNCTION rapport_webhook_replied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF rapport_webhook_listened(NEW.workspace_id, 'conversation.replied') THEN
        PERFORM rapport_webhook_emit(NEW.workspace_id, 'conversation.replied', NEW.contact_id,
          rapport_webhook_conversation(NEW.response_id) || jsonb_build_object('reply', jsonb_build_object(
            'id', NEW.id, 'body', NEW.body, 'createdAt', NEW.created_at,
            'author', jsonb_build_object('id', NEW.author_user_id, 'name', NEW.author_name, 'email', NEW.author_email))));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER replies_webhooks AFTER INSERT ON replies FOR EACH ROW EXECUTE FUNCTION rapport_webhook_replied();

    CREATE FUNCTION rapport_webhook_closed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF rapport_webhook_listened(NEW.workspace_id, 'conversation.closed') THEN
        PERFORM rapport_webhook_emit(NEW.workspace_id, 'conversation.closed',
          (SELECT r.contact_id FROM responses r WHERE r.id = NEW.response_id), rapport_webhook_conversation(NEW.response_id));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER conversations_webhooks AFTER UPDATE OF status ON conversations
      FOR EACH ROW WHEN (OLD.status = 'open' AND NEW.status = 'closed') EXECUTE FUNCTION rapport_webhook_closed();
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TRIGGER conversations_webhooks ON conversations;
    DROP TRIGGER replies_webhooks ON replies;
    DROP TRIGGER contacts_webhooks ON contacts;
    DROP TRIGGER responses_webhooks ON responses;
    DROP FUNCTION rapport_webhook_closed(), rapport_webhook_replied(), rapport_webhook_conversation(uuid),
      rapport_webhook_contact_changed(), rapport_webhook_response_changed(), rapport_webhook_response(uuid),
      rapport_webhook_contact(uuid), rapport_webhook_listened(uuid, text), rapport_webhook_emit(uuid, text, uuid, jsonb);
    DROP TABLE webhook_notices, webhook_attempts, webhook_deliveries, webhook_events, webhook_endpoints;
  `);
}
