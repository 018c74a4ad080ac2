import type { MigrationContext } from '../src/platform/migrator';

// The walking skeleton's schema. Immutable once landed: later changes go in new migrations.
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE app_secrets (
      name text PRIMARY KEY,
      value text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE workspaces (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      sender_name text NOT NULL,
      postal_address text NOT NULL,
      throttle_days integer NOT NULL DEFAULT 30,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      name text NOT NULL,
      email text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (lower(email));
    CREATE INDEX users_workspace_idx ON users (workspace_id);

    -- connect-pg-simple's table, created here so no instance creates it at request time.
    CREATE TABLE session (
      sid varchar PRIMARY KEY,
      sess json NOT NULL,
      expire timestamp(6) NOT NULL
    );
    CREATE INDEX session_expire_idx ON session (expire);

    CREATE TABLE surveys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      title text NOT NULL,
      template text NOT NULL,
      language text NOT NULL DEFAULT 'en',
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
      current_version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX surveys_workspace_idx ON surveys (workspace_id, created_at DESC);

    -- Responses point at the version they were answered on, so editing a survey never rewrites history.
    CREATE TABLE survey_versions (
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      version integer NOT NULL,
      questions jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (survey_id, version)
    );

    CREATE TABLE contacts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      email text NOT NULL,
      name text NOT NULL DEFAULT '',
      locale text,
      owner_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      tags text[] NOT NULL DEFAULT '{}',
      properties jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'subscribed' CHECK (status IN ('subscribed', 'unsubscribed', 'bounced')),
      last_invited_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX contacts_workspace_email_key ON contacts (workspace_id, lower(email));
    CREATE INDEX contacts_workspace_created_idx ON contacts (workspace_id, created_at, id);

    CREATE TABLE waves (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      survey_version integer NOT NULL,
      schedule_id uuid,
      slot_at timestamptz,
      kind text NOT NULL CHECK (kind IN ('manual', 'scheduled')),
      recipients integer NOT NULL DEFAULT 0,
      throttled integer NOT NULL DEFAULT 0,
      suppressed integer NOT NULL DEFAULT 0,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (schedule_id, slot_at)
    );
    CREATE INDEX waves_survey_idx ON waves (survey_id, created_at DESC);

    -- The outbox. A token is stored as its SHA-256 (lookup) and sealed with the app key (to re-render
    -- the same link in a reminder); the plain token exists only in the email.
    CREATE TABLE deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      wave_id uuid NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      token_hash bytea NOT NULL UNIQUE,
      token_sealed text NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (wave_id, contact_id)
    );
    CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX deliveries_lease_idx ON deliveries (lease_until) WHERE status = 'sending';
    CREATE INDEX deliveries_contact_idx ON deliveries (contact_id);

    CREATE TABLE responses (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      survey_version integer NOT NULL,
      delivery_id uuid UNIQUE REFERENCES deliveries(id) ON DELETE SET NULL,
      contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
      score smallint,
      comment text,
      answers jsonb NOT NULL DEFAULT '{}',
      submitted_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX responses_survey_submitted_idx ON responses (survey_id, submitted_at DESC);

    -- The built-in mailbox: what the in-process SMTP server captured when no SMTP_URL is set.
    CREATE TABLE mailbox_messages (
      id bigserial PRIMARY KEY,
      message_id text,
      from_text text NOT NULL DEFAULT '',
      to_text text NOT NULL DEFAULT '',
      subject text NOT NULL DEFAULT '',
      html text,
      text text,
      headers jsonb NOT NULL DEFAULT '{}',
      received_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE mailbox_messages, responses, deliveries, waves, contacts, survey_versions, surveys,
      session, users, workspaces, app_secrets;
  `);
}
