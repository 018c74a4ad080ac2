import type { MigrationContext } from '../src/platform/migrator';

/**
 * Alerts: when an unhappy answer (NPS detractor, or "low" on another scale) is confirmed, its owner — or,
 * unassigned, every owner and admin — gets one email, so a teammate can answer within hours.
 *
 * The decision lives in the conversations trigger, which already has the answer's band and owner in hand
 * (no second trigger depending on firing order, nothing added to the respondent's code path). It is taken
 * exactly once per response: at the moment completed_at goes from NULL to set, which happens once, ever
 * (partial saves leave it NULL; later edits keep it). A later change of score therefore never alerts again,
 * and (response, teammate) is unique on top. The cost on the hot path is one primary-key read of the
 * conversation on the confirming save when the score did not change, plus one small insert for an unhappy answer.
 *
 * Alerts are a fourth outbox kind. They are due a few minutes after the confirmation: the first "Send"
 * confirms the score, and the follow-up that says why ("How can I help?") usually comes right after; the
 * alert renders the comment when it is sent, so the grace lets the teammate read it in the email.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE users ADD COLUMN alerts_enabled boolean NOT NULL DEFAULT true;

    CREATE TABLE alerts (
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
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX alerts_response_user_key ON alerts (response_id, user_id);
    CREATE INDEX alerts_due_idx ON alerts (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX alerts_lease_idx ON alerts (lease_until) WHERE status = 'sending';
    CREATE INDEX alerts_user_idx ON alerts (user_id);

    CREATE OR REPLACE FUNCTION rapport_conversation_open() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      answer_band text;
      answer_owner uuid;
      rescored boolean := TG_OP = 'INSERT';
    BEGIN
      IF NOT rescored THEN rescored := OLD.score IS DISTINCT FROM NEW.score; END IF;
      IF rescored THEN
        -- The default owner is the contact's owner at the time of the answer.
        INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band, owner_user_id)
        VALUES (NEW.id, NEW.workspace_id, NEW.survey_id, NEW.submitted_at,
          rapport_score_band((SELECT v.questions FROM survey_versions v WHERE v.survey_id = NEW.survey_id AND v.version = NEW.survey_version), NEW.score),
          (SELECT c.owner_user_id FROM contacts c WHERE c.id = NEW.contact_id))
        ON CONFLICT (response_id) DO UPDATE SET band = EXCLUDED.band
        RETURNING band, owner_user_id INTO answer_band, answer_owner;
      END IF;

      -- Confirmed just now (it never happens twice): alert if unhappy.
      IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.completed_at IS NULL) THEN
        IF NOT rescored THEN
          SELECT band, owner_user_id INTO answer_band, answer_owner FROM conversations WHERE response_id = NEW.id;
        END IF;
        IF answer_band IN ('detractor', 'low') THEN
          INSERT INTO alerts (workspace_id, response_id, user_id, next_attempt_at)
          SELECT NEW.workspace_id, NEW.id, u.id, now() + interval '5 minutes'
          FROM users u
          WHERE u.workspace_id = NEW.workspace_id AND u.alerts_enabled
            AND (u.id = answer_owner OR (answer_owner IS NULL AND u.role IN ('owner', 'admin')))
          ON CONFLICT DO NOTHING;
        END IF;
      END IF;
      RETURN NULL;
    END $$;

    -- One update trigger for both reasons, so a save that confirms and rescores at once runs the function once.
    DROP TRIGGER responses_conversation_band ON responses;
    CREATE TRIGGER responses_conversation_changed AFTER UPDATE OF score, completed_at ON responses
      FOR EACH ROW WHEN (OLD.score IS DISTINCT FROM NEW.score OR (OLD.completed_at IS NULL AND NEW.completed_at IS NOT NULL))
      EXECUTE FUNCTION rapport_conversation_open();
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TRIGGER responses_conversation_changed ON responses;
    CREATE OR REPLACE FUNCTION rapport_conversation_open() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band, owner_user_id)
      VALUES (NEW.id, NEW.workspace_id, NEW.survey_id, NEW.submitted_at,
        rapport_score_band((SELECT v.questions FROM survey_versions v WHERE v.survey_id = NEW.survey_id AND v.version = NEW.survey_version), NEW.score),
        (SELECT c.owner_user_id FROM contacts c WHERE c.id = NEW.contact_id))
      ON CONFLICT (response_id) DO UPDATE SET band = EXCLUDED.band;
      RETURN NULL;
    END $$;
    CREATE TRIGGER responses_conversation_band AFTER UPDATE OF score ON responses
      FOR EACH ROW WHEN (OLD.score IS DISTINCT FROM NEW.score) EXECUTE FUNCTION rapport_conversation_open();
    DROP TABLE alerts;
    ALTER TABLE users DROP COLUMN alerts_enabled;
  `);
}
