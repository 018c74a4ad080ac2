import type { MigrationContext } from '../src/platform/migrator';

/**
 * Closing the loop: every response is a conversation a teammate can own, answer and close.
 *
 * A conversation row is made by a trigger when a response is inserted (and its band follows a changed
 * score), so the respondent's code path needs no change and no response can be missed. It copies what the
 * inbox filters and sorts on (survey, time, band) so the inbox and the nav count are index scans.
 * Replies are a third outbox kind next to deliveries and reminders: same states, lease and retries.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE conversations (
      response_id uuid PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
      submitted_at timestamptz NOT NULL,
      band text,
      owner_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
      closed_at timestamptz,
      closed_by uuid REFERENCES users(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX conversations_inbox_idx ON conversations (workspace_id, status, submitted_at DESC, response_id DESC);
    CREATE INDEX conversations_all_idx ON conversations (workspace_id, submitted_at DESC, response_id DESC);
    CREATE INDEX conversations_owner_open_idx ON conversations (owner_user_id) WHERE status = 'open';

    -- The default owner is the contact's owner at the time of the answer.
    CREATE FUNCTION rapport_conversation_open() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band, owner_user_id)
      VALUES (NEW.id, NEW.workspace_id, NEW.survey_id, NEW.submitted_at,
        rapport_score_band((SELECT v.questions FROM survey_versions v WHERE v.survey_id = NEW.survey_id AND v.version = NEW.survey_version), NEW.score),
        (SELECT c.owner_user_id FROM contacts c WHERE c.id = NEW.contact_id))
      ON CONFLICT (response_id) DO UPDATE SET band = EXCLUDED.band;
      RETURN NULL;
    END $$;
    CREATE TRIGGER responses_conversation AFTER INSERT ON responses
      FOR EACH ROW EXECUTE FUNCTION rapport_conversation_open();
    CREATE TRIGGER responses_conversation_band AFTER UPDATE OF score ON responses
      FOR EACH ROW WHEN (OLD.score IS DISTINCT FROM NEW.score) EXECUTE FUNCTION rapport_conversation_open();

    INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band, owner_user_id)
      SELECT r.id, r.workspace_id, r.survey_id, r.submitted_at, rapport_score_band(v.questions, r.score), c.owner_user_id
      FROM responses r LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
      LEFT JOIN contacts c ON c.id = r.contact_id
      ON CONFLICT DO NOTHING;

    -- A personal reply: written by a teammate, sent through the outbox under their name.
    CREATE TABLE replies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      response_id uuid NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      author_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      -- Kept as written, so the thread still says who replied after a teammate leaves.
      author_name text NOT NULL,
      author_email text NOT NULL,
      body text NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX replies_due_idx ON replies (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX replies_lease_idx ON replies (lease_until) WHERE status = 'sending';
    CREATE INDEX replies_response_idx ON replies (response_id, created_at);
    CREATE INDEX replies_contact_idx ON replies (contact_id);

    -- Internal notes: never emailed.
    CREATE TABLE followup_notes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      response_id uuid NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
      author_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      author_name text NOT NULL,
      body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX followup_notes_response_idx ON followup_notes (response_id, created_at);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE followup_notes, replies;
    DROP TRIGGER responses_conversation_band ON responses;
    DROP TRIGGER responses_conversation ON responses;
    DROP FUNCTION rapport_conversation_open();
    DROP TABLE conversations;
  `);
}
