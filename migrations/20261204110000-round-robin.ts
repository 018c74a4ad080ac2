import type { MigrationContext } from '../src/platform/migrator';

/**
 * Assignment rules: an unhappy answer's conversation goes to the contact's owner (as before), else, round-robin,
 * to the next teammate who opted in (`memberships.round_robin`, per person and workspace). Decided in the
 * conversations trigger at the moment the answer is confirmed, before the alert's recipients, so the alert goes
 * to the teammate just chosen.
 *
 * Fair under concurrency: `assignment_turns` holds, per workspace, the last teammate chosen; the trigger locks
 * that row (FOR UPDATE) for the rest of the answer's transaction, so concurrent confirmations take turns one
 * after the other, each giving the next opted-in teammate (by id, wrapping) after the last one. A teammate who
 * joins or leaves the rotation shifts nobody's turn but their own.
 */
const conversationOpen = (roundRobin: boolean) => `
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

      -- Confirmed just now (it never happens twice): assign if nobody owns it, then alert, if unhappy.
      IF NEW.completed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.completed_at IS NULL) THEN
        IF NOT rescored THEN
          SELECT band, owner_user_id INTO answer_band, answer_owner FROM conversations WHERE response_id = NEW.id;
        END IF;
        IF answer_band IN ('detractor', 'low') THEN
          ${
            roundRobin
              ? `IF answer_owner IS NULL THEN
            answer_owner := rapport_round_robin(NEW.workspace_id);
            IF answer_owner IS NOT NULL THEN
              UPDATE conversations SET owner_user_id = answer_owner, updated_at = now() WHERE response_id = NEW.id;
            END IF;
          END IF;`
              : ''
          }
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

export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE memberships ADD COLUMN round_robin boolean NOT NULL DEFAULT false;

    CREATE TABLE assignment_turns (
      workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
      last_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      turns bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- The next opted-in teammate (owner, admin or member: a viewer cannot reply) after the last one chosen, by
    -- id, wrapping; NULL when nobody opted in. Holds the workspace's turn row until the transaction ends.
    CREATE FUNCTION rapport_round_robin(ws uuid) RETURNS uuid LANGUAGE plpgsql AS $$
    DECLARE
      last_one uuid;
      chosen uuid;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM memberships WHERE workspace_id = ws AND round_robin) THEN RETURN NULL; END IF;
      INSERT INTO assignment_turns (workspace_id) VALUES (ws) ON CONFLICT (workspace_id) DO NOTHING;
      SELECT last_user_id INTO last_one FROM assignment_turns WHERE workspace_id = ws FOR UPDATE;
      SELECT m.user_id INTO chosen FROM memberships m
      WHERE m.workspace_id = ws AND m.round_robin AND m.role IN ('owner', 'admin', 'member')
      ORDER BY (last_one IS NOT NULL AND m.user_id <= last_one), m.user_id LIMIT 1;
      IF chosen IS NOT NULL THEN
        UPDATE assignment_turns SET last_user_id = chosen, turns = turns + 1, updated_at = now() WHERE workspace_id = ws;
      END IF;
      RETURN chosen;
    END $$;

    ${conversationOpen(true)}
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    ${conversationOpen(false)}
    DROP FUNCTION rapport_round_robin(uuid);
    DROP TABLE assignment_turns;
    ALTER TABLE memberships DROP COLUMN round_robin;
  `);
}
