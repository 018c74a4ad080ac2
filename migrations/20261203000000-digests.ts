import type { MigrationContext } from '../src/platform/migrator';

/**
 * The weekly digest: each teammate who opts in (the Team page, `users.digest_enabled`, off by default) gets one
 * email a week with each survey's headline and its change, the unhappy answers still open and the newest
 * comments. Digests are a fifth outbox kind.
 *
 * One digest per (teammate, workspace, week), by the unique key: every instance's ticker may try to queue the
 * week's digests, and however many do, at the same time or twice, one row (so one email) results.
 *
 * A row holds the numbers as they were when it was queued (`content`, aggregates only) and the ids of the
 * comments it shows; their text is read when the email is sent, so a comment erased meanwhile never goes out
 * and the table keeps no personal data. Its unsubscribe link carries a random token stored as its SHA-256
 * (`token_hash`), with a copy sealed by the app key (`token_sealed`) for the worker to put in the email.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE users ADD COLUMN digest_enabled boolean NOT NULL DEFAULT false;

    CREATE TABLE digests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      -- Kept when the teammate is removed, so the claim can end it as suppressed and say why.
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      -- The Monday (UTC) of the week it covers.
      week date NOT NULL,
      content jsonb NOT NULL,
      comment_ids uuid[] NOT NULL DEFAULT '{}',
      token_hash bytea NOT NULL UNIQUE,
      token_sealed text NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'ambiguous', 'suppressed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      message_id text,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT digests_once_a_week UNIQUE (user_id, workspace_id, week)
    );
    CREATE INDEX digests_due_idx ON digests (next_attempt_at) WHERE status = 'queued';
    CREATE INDEX digests_lease_idx ON digests (lease_until) WHERE status = 'sending';
    CREATE INDEX digests_workspace_week_idx ON digests (workspace_id, week);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE digests;
    ALTER TABLE users DROP COLUMN digest_enabled;
  `);
}
