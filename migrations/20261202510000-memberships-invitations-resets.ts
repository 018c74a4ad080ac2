import type { MigrationContext } from '../src/platform/migrator';

/**
 * A person can belong to several workspaces, with a role in each: `memberships` is where the role lives from now
 * on. `users.workspace_id` and `users.role` stay as the workspace and role a person was created with: a trigger
 * makes that first membership from them, so every way a user row is written (the app, a seed, a restore of an
 * older dump) ends with a membership. Nothing reads a role or a workspace from `users` any more.
 *
 * Invitations and password resets are outbox kinds (`team_invitations`, `password_resets`): each row is one
 * email, with the outbox columns the delivery worker settles. Their tokens are stored as SHA-256 (lookup) and
 * sealed with the app key (so the worker can put the link in the email); the plain token is only in the email.
 * Sessions are found by person (the sessions list, "sign out everywhere", a removal) through an index on the
 * session's user id.
 */
/** The conversations trigger's function (see the alerts migration), with who gets an alert as given. */
const conversationOpen = (recipients: string) => `
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
          ${recipients}
          ON CONFLICT DO NOTHING;
        END IF;
      END IF;
      RETURN NULL;
    END $$;`;

// Alerts go to the conversation's owner, else to the workspace's owners and admins: by membership now.
const BY_MEMBERSHIP = `FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.workspace_id = NEW.workspace_id AND u.alerts_enabled
            AND (u.id = answer_owner OR (answer_owner IS NULL AND m.role IN ('owner', 'admin')))`;
const BY_USER = `FROM users u
          WHERE u.workspace_id = NEW.workspace_id AND u.alerts_enabled
            AND (u.id = answer_owner OR (answer_owner IS NULL AND u.role IN ('owner', 'admin')))`;

export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE memberships (
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, user_id)
    );
    CREATE INDEX memberships_user_idx ON memberships (user_id, created_at);
    INSERT INTO memberships (workspace_id, user_id, role, created_at) SELECT workspace_id, id, role, created_at FROM users;

    CREATE FUNCTION rapport_first_membership() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO memberships (workspace_id, user_id, role) VALUES (NEW.workspace_id, NEW.id, NEW.role)
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;
    CREATE TRIGGER users_first_membership AFTER INSERT ON users
      FOR EACH ROW EXECUTE FUNCTION rapport_first_membership();

    ${conversationOpen(BY_MEMBERSHIP)}
    CREATE INDEX session_user_idx ON session ((sess->>'userId'));

    CREATE TABLE team_invitations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      email text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
      invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
      inviter_name text NOT NULL,
      token_hash bytea NOT NULL UNIQUE,
      token_sealed text NOT NULL,
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz
    );
    -- One open invitation per address and workspace: a resend replaces it.
    CREATE UNIQUE INDEX team_invitations_open_key ON team_invitations (workspace_id, lower(email))
      WHERE accepted_at IS NULL AND revoked_at IS NULL;
    CREATE INDEX team_invitations_due_idx ON team_invitations (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX team_invitations_lease_idx ON team_invitations (lease_until) WHERE status = 'sending';

    CREATE TABLE password_resets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash bytea NOT NULL UNIQUE,
      token_sealed text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz
    );
    CREATE INDEX password_resets_user_idx ON password_resets (user_id);
    CREATE INDEX password_resets_due_idx ON password_resets (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX password_resets_lease_idx ON password_resets (lease_until) WHERE status = 'sending';
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE password_resets;
    DROP TABLE team_invitations;
    DROP INDEX session_user_idx;
    ${conversationOpen(BY_USER)}
    DROP TRIGGER users_first_membership ON users;
    DROP FUNCTION rapport_first_membership();
    DROP TABLE memberships;
  `);
}
