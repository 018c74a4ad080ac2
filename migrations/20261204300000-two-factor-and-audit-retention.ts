import type { MigrationContext } from '../src/platform/migrator';

/**
 * Two-factor sign-in (TOTP) and how long a workspace keeps its audit log.
 *
 * A person's TOTP secret is theirs, not a workspace's (one account signs in to all its workspaces), so it lives
 * on `users`: sealed with the app key (AES-256-GCM, platform/tokens.ts), so a copy of the database alone yields
 * no working code generator. `totp_pending_sealed` is a secret shown on the enrol page and not yet confirmed by
 * a code; `totp_last_step` is the 30-second step of the last code accepted, so a code cannot be used twice
 * (an accepted code moves it forward in one UPDATE, and only forward).
 *
 * Recovery codes are stored as SHA-256 (each is 50 random bits from a CSPRNG, not a password: a slow hash adds
 * nothing) and spent by setting `used_at` in the statement that checks them.
 *
 * Workspaces: `require_two_factor` sends members without it to enrol before anything else;
 * `audit_retention_days` is how long the audit log keeps an entry (the retention sweep deletes older ones).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE users
      ADD COLUMN totp_secret_sealed text,
      ADD COLUMN totp_pending_sealed text,
      ADD COLUMN totp_enabled_at timestamptz,
      ADD COLUMN totp_last_step bigint,
      ADD CONSTRAINT users_totp_enabled CHECK ((totp_enabled_at IS NULL) = (totp_secret_sealed IS NULL));

    CREATE TABLE recovery_codes (
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      code_hash bytea NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, code_hash)
    );

    ALTER TABLE workspaces
      ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false,
      ADD COLUMN audit_retention_days integer NOT NULL DEFAULT 365
        CHECK (audit_retention_days BETWEEN 30 AND 3650);

    -- The audit log page pages by (at, id) within a workspace, newest first.
    CREATE INDEX audit_events_workspace_at_idx ON audit_events (workspace_id, at DESC, id DESC);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP INDEX audit_events_workspace_at_idx;
    ALTER TABLE workspaces DROP COLUMN audit_retention_days, DROP COLUMN require_two_factor;
    DROP TABLE recovery_codes;
    ALTER TABLE users DROP CONSTRAINT users_totp_enabled, DROP COLUMN totp_last_step, DROP COLUMN totp_enabled_at,
      DROP COLUMN totp_pending_sealed, DROP COLUMN totp_secret_sealed;
  `);
}
