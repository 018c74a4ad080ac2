import type { MigrationContext } from '../src/platform/migrator';

/**
 * The audience: fast filters over tags and properties, a suppression list that outlives contacts, CSV
 * imports as jobs, saved segments, and each contact's last score band for segmenting.
 *
 * Two rules live in triggers on purpose, so no code path (paste, import, API, the respondent's unsubscribe,
 * the outbox's hard bounce) can forget them:
 *  - a contact who becomes unsubscribed, bounced or suppressed puts a hash of their email on the list;
 *  - a contact created with (or edited to) a listed email gets a non-subscribed status, never 'subscribed'.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    -- Salted with the workspace so the same person's hash cannot be matched across workspaces.
    CREATE FUNCTION rapport_email_hash(ws uuid, email text) RETURNS bytea
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT sha256(convert_to(ws::text || ':' || lower(btrim(email)), 'UTF8')) $$;

    ALTER TABLE contacts DROP CONSTRAINT contacts_status_check;
    ALTER TABLE contacts ADD CONSTRAINT contacts_status_check
      CHECK (status IN ('subscribed', 'unsubscribed', 'bounced', 'suppressed'));
    ALTER TABLE contacts
      ADD COLUMN last_score_band text,
      ADD COLUMN last_answered_at timestamptz,
      -- Which import last wrote this row: a second row with the same email in one file is a duplicate.
      ADD COLUMN last_import_id uuid;
    CREATE INDEX contacts_tags_gin ON contacts USING gin (tags);
    CREATE INDEX contacts_properties_gin ON contacts USING gin (properties);
    CREATE INDEX contacts_workspace_status_idx ON contacts (workspace_id, status);

    -- Lets the suppression list show which contact a hash belongs to without hashing every contact.
    CREATE INDEX contacts_email_hash_idx ON contacts (rapport_email_hash(workspace_id, email));

    CREATE TABLE suppressions (
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      email_hash bytea NOT NULL,
      reason text NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'manual', 'erased')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, email_hash)
    );

    CREATE FUNCTION rapport_contact_suppress() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status <> 'subscribed' THEN
        INSERT INTO suppressions (workspace_id, email_hash, reason)
        VALUES (NEW.workspace_id, rapport_email_hash(NEW.workspace_id, NEW.email),
                CASE NEW.status WHEN 'suppressed' THEN 'manual' ELSE NEW.status END)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER contacts_suppress AFTER INSERT OR UPDATE OF status, email ON contacts
      FOR EACH ROW WHEN (NEW.status <> 'subscribed') EXECUTE FUNCTION rapport_contact_suppress();

    CREATE FUNCTION rapport_contact_check_suppressed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE listed text;
    BEGIN
      SELECT reason INTO listed FROM suppressions
        WHERE workspace_id = NEW.workspace_id AND email_hash = rapport_email_hash(NEW.workspace_id, NEW.email);
      IF listed IS NOT NULL AND NEW.status = 'subscribed' THEN
        NEW.status := CASE listed WHEN 'unsubscribed' THEN 'unsubscribed' WHEN 'bounced' THEN 'bounced' ELSE 'suppressed' END;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER contacts_check_suppressed BEFORE INSERT OR UPDATE OF email ON contacts
      FOR EACH ROW EXECUTE FUNCTION rapport_contact_check_suppressed();

    INSERT INTO suppressions (workspace_id, email_hash, reason)
      SELECT workspace_id, rapport_email_hash(workspace_id, email), CASE status WHEN 'suppressed' THEN 'manual' ELSE status END
      FROM contacts WHERE status <> 'subscribed' ON CONFLICT DO NOTHING;

    -- The band of a score on the version's first scale question (same rule as bandOf in questions.ts).
    CREATE FUNCTION rapport_score_band(questions jsonb, score integer) RETURNS text
      LANGUAGE sql IMMUTABLE AS $$
      SELECT CASE
        WHEN score IS NULL OR q IS NULL THEN NULL
        WHEN q = 'nps' THEN CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive' ELSE 'detractor' END
        WHEN q = 'ces' THEN CASE WHEN score > 4 THEN 'high' ELSE 'low' END
        ELSE CASE WHEN score > 3 THEN 'high' ELSE 'low' END
      END
      FROM (SELECT (SELECT e->>'type' FROM jsonb_array_elements(questions) e
                    WHERE e->>'type' IN ('nps', 'csat', 'ces', 'rating') LIMIT 1) AS q) t
    $$;

    CREATE FUNCTION rapport_response_band() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.contact_id IS NOT NULL AND NEW.score IS NOT NULL THEN
        UPDATE contacts c SET last_answered_at = NEW.submitted_at,
          last_score_band = rapport_score_band(v.questions, NEW.score)
        FROM survey_versions v
        WHERE c.id = NEW.contact_id AND v.survey_id = NEW.survey_id AND v.version = NEW.survey_version
          AND (c.last_answered_at IS NULL OR c.last_answered_at <= NEW.submitted_at);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER responses_band AFTER INSERT OR UPDATE OF score ON responses
      FOR EACH ROW EXECUTE FUNCTION rapport_response_band();
    CREATE INDEX contacts_band_idx ON contacts (workspace_id, last_score_band);
    CREATE INDEX responses_contact_idx ON responses (contact_id);

    CREATE TABLE segments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      name text NOT NULL,
      filter jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX segments_workspace_name_key ON segments (workspace_id, lower(name));

    CREATE TABLE contact_imports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      filename text NOT NULL,
      status text NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'running', 'done', 'failed')),
      delimiter text NOT NULL DEFAULT ',',
      headers jsonb NOT NULL DEFAULT '[]',
      mapping jsonb,
      add_tags text[] NOT NULL DEFAULT '{}',
      bytes_total bigint NOT NULL DEFAULT 0,
      bytes_done bigint NOT NULL DEFAULT 0,
      rows_done integer NOT NULL DEFAULT 0,
      added integer NOT NULL DEFAULT 0,
      updated integer NOT NULL DEFAULT 0,
      refused integer NOT NULL DEFAULT 0,
      kept_suppressed integer NOT NULL DEFAULT 0,
      error text,
      heartbeat_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
    CREATE INDEX contact_imports_workspace_idx ON contact_imports (workspace_id, created_at DESC);

    -- The uploaded file, in chunks, so any instance can preview and run it; deleted once imported.
    CREATE TABLE contact_import_chunks (
      import_id uuid NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (import_id, seq)
    );

    CREATE TABLE contact_import_refusals (
      import_id uuid NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
      row_number integer NOT NULL,
      email text NOT NULL DEFAULT '',
      reason text NOT NULL,
      PRIMARY KEY (import_id, row_number)
    );
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE contact_import_refusals, contact_import_chunks, contact_imports, segments, suppressions;
    DROP TRIGGER responses_band ON responses;
    DROP TRIGGER contacts_check_suppressed ON contacts;
    DROP TRIGGER contacts_suppress ON contacts;
    DROP FUNCTION rapport_response_band(), rapport_score_band(jsonb, integer), rapport_contact_check_suppressed(),
      rapport_contact_suppress();
    DROP INDEX responses_contact_idx;
    ALTER TABLE contacts DROP COLUMN last_score_band, DROP COLUMN last_answered_at, DROP COLUMN last_import_id;
    DROP INDEX contacts_email_hash_idx, contacts_tags_gin, contacts_properties_gin, contacts_workspace_status_idx;
    UPDATE contacts SET status = 'unsubscribed' WHERE status = 'suppressed';
    ALTER TABLE contacts DROP CONSTRAINT contacts_status_check;
    ALTER TABLE contacts ADD CONSTRAINT contacts_status_check CHECK (status IN ('subscribed', 'unsubscribed', 'bounced'));
    DROP FUNCTION rapport_email_hash(uuid, text);
  `);
}
