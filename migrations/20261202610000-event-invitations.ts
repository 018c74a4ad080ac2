import type { MigrationContext } from '../src/platform/migrator';

// Event-triggered invitations (issue 10): another system asks Rapport to survey one contact now or after a delay.
// - A wave of kind 'event' holds one such request, with the event's name, its properties and the API key that
//   asked, so every answer can say which event asked for it (response → delivery → wave).
// - 'cancelled': a queued invitation or reminder that its requester called off before it left.
// - api_idempotency: the first result of each Idempotency-Key, kept 24 hours (the api module's table).
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE waves DROP CONSTRAINT waves_kind_check;
    ALTER TABLE waves ADD CONSTRAINT waves_kind_check CHECK (kind IN ('manual', 'scheduled', 'event'));
    ALTER TABLE waves
      ADD COLUMN event text,
      ADD COLUMN event_properties jsonb,
      ADD COLUMN api_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL;

    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed', 'cancelled'));
    ALTER TABLE reminders DROP CONSTRAINT reminders_status_check;
    ALTER TABLE reminders ADD CONSTRAINT reminders_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed', 'cancelled'));
    -- "Cancel this contact's pending invitations" finds them without reading every delivery of the contact.
    CREATE INDEX deliveries_contact_queued_idx ON deliveries (contact_id) WHERE status = 'queued';

    CREATE TABLE api_idempotency (
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      key text NOT NULL,
      -- What was asked (method, path, body): the same key with another request is refused, never replayed.
      request_hash bytea NOT NULL,
      -- NULL while the first request runs; then its answer (json, not jsonb: replayed byte for byte).
      status smallint,
      body json,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, key)
    );
    CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

    -- Responses for incremental sync: "changed since" per workspace.
    CREATE INDEX responses_workspace_updated_idx ON responses (workspace_id, updated_at, id);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP INDEX responses_workspace_updated_idx;
    DROP TABLE api_idempotency;
    DROP INDEX deliveries_contact_queued_idx;
    UPDATE reminders SET status = 'suppressed' WHERE status = 'cancelled';
    UPDATE deliveries SET status = 'suppressed' WHERE status = 'cancelled';
    ALTER TABLE reminders DROP CONSTRAINT reminders_status_check;
    ALTER TABLE reminders ADD CONSTRAINT reminders_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed'));
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed'));
    DELETE FROM waves WHERE kind = 'event';
    ALTER TABLE waves DROP COLUMN event, DROP COLUMN event_properties, DROP COLUMN api_key_id;
    ALTER TABLE waves DROP CONSTRAINT waves_kind_check;
    ALTER TABLE waves ADD CONSTRAINT waves_kind_check CHECK (kind IN ('manual', 'scheduled'));
  `);
}
