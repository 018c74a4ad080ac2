import type { MigrationContext } from '../src/platform/migrator';

/**
 * Answers brought from another tool (a Delighted export): `responses.imported_at` marks them. They count in every
 * chart (the rollup triggers see them like any answer, so a team's trend goes on from its old tool's data), but
 * they are history, not news:
 *  - their conversation is created closed (closed_at = the import): nobody is asked to follow up a two-year-old
 *    answer, and the inbox's open count, the nav badge and the digest's "still open" leave them out;
 *  - no alert and no webhook event is made for them (nothing happened today);
 *  - one answer per (survey, person, time): importing the same file twice adds nothing the second time.
 * The CSV import job remembers the survey a history goes into and how many answers it added.
 */
const conversationOpen = (imported: boolean) => `
    CREATE OR REPLACE FUNCTION rapport_conversation_open() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      answer_band text;
      answer_owner uuid;
      rescored boolean := TG_OP = 'INSERT';
    BEGIN
      IF NOT rescored THEN rescored := OLD.score IS DISTINCT FROM NEW.score; END IF;
      IF rescored THEN
        -- The default owner is the contact's owner at the time of the answer.
        INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band, owner_user_id${imported ? ', status, closed_at' : ''})
        VALUES (NEW.id, NEW.workspace_id, NEW.survey_id, NEW.submitted_at,
          rapport_score_band((SELECT v.questions FROM survey_versions v WHERE v.survey_id = NEW.survey_id AND v.version = NEW.survey_version), NEW.score),
          (SELECT c.owner_user_id FROM contacts c WHERE c.id = NEW.contact_id)${
            imported
              ? `,
          CASE WHEN NEW.imported_at IS NULL THEN 'open' ELSE 'closed' END, NEW.imported_at`
              : ''
          })
        ON CONFLICT (response_id) DO UPDATE SET band = EXCLUDED.band
        RETURNING band, owner_user_id INTO answer_band, answer_owner;
      END IF;

      -- Confirmed just now (it never happens twice): assign if nobody owns it (round-robin, 20261204110000), then
      -- alert, if unhappy.${imported ? ' An imported answer is history: no assignment, no alert.' : ''}
      IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.completed_at IS NULL)${imported ? ' AND NEW.imported_at IS NULL' : ''} THEN
        IF NOT rescored THEN
          SELECT band, owner_user_id INTO answer_band, answer_owner FROM conversations WHERE response_id = NEW.id;
        END IF;
        IF answer_band IN ('detractor', 'low') THEN
          IF answer_owner IS NULL THEN
            answer_owner := rapport_round_robin(NEW.workspace_id);
            IF answer_owner IS NOT NULL THEN
              UPDATE conversations SET owner_user_id = answer_owner, updated_at = now() WHERE response_id = NEW.id;
            END IF;
          END IF;
          INSERT INTO alerts (workspace_id, response_id, user_id, next_attempt_at)
          SELECT NEW.workspace_id, NEW.id, u.id, now() + interval '5 minutes'
          FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = NEW.workspace_id AND u.alerts_enabled
            AND (u.id = answer_owner OR (answer_owner IS NULL AND m.role IN ('owner', 'admin')))
          ON CONFLICT DO NOTHING;
        END IF;
      END IF;
      RETURN NULL;
    END $$;`;

const webhookResponseChanged = (imported: boolean) => `
    CREATE OR REPLACE FUNCTION rapport_webhook_response_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      types text[] := '{}';
      t text;
      data jsonb;
    BEGIN${
      imported
        ? `
      -- An imported answer is history from another tool: no subscriber is told about it as news.
      IF NEW.imported_at IS NOT NULL THEN RETURN NULL; END IF;`
        : ''
    }
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
    END $$;`;

export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE responses ADD COLUMN imported_at timestamptz;
    CREATE UNIQUE INDEX responses_imported_key ON responses (survey_id, contact_id, submitted_at)
      WHERE imported_at IS NOT NULL;
    ALTER TABLE contact_imports
      ADD COLUMN survey_id uuid REFERENCES surveys(id) ON DELETE SET NULL,
      ADD COLUMN answers_added integer NOT NULL DEFAULT 0;
    ${conversationOpen(true)}
    ${webhookResponseChanged(true)}
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    ${webhookResponseChanged(false)}
    ${conversationOpen(false)}
    ALTER TABLE contact_imports DROP COLUMN answers_added, DROP COLUMN survey_id;
    DROP INDEX responses_imported_key;
    ALTER TABLE responses DROP COLUMN imported_at;
  `);
}
