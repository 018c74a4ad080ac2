import type { MigrationContext } from '../src/platform/migrator';

const OUTBOXES = ['team_invitations', 'password_resets'];

/**
 * The accounts outboxes (team invitations, password resets) carry the claim token and SMTP start like every
 * outbox table (see 20261202900000-outbox-transactions and src/modules/delivery/README.md): a taken-back claim
 * cannot start or settle its email, and one that never entered its SMTP transaction goes back to the queue.
 *
 * Every audit event belongs to a workspace (an event about a person is recorded in each of theirs), so the
 * column is NOT NULL: the log lives with its workspace wherever the workspace's data lives (docs/scaling.md).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  for (const table of OUTBOXES)
    await query(`ALTER TABLE ${table} ADD COLUMN claim_token uuid, ADD COLUMN smtp_started_at timestamptz;`);
  await query(`ALTER TABLE audit_events ALTER COLUMN workspace_id SET NOT NULL;`);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`ALTER TABLE audit_events ALTER COLUMN workspace_id DROP NOT NULL;`);
  for (const table of OUTBOXES) await query(`ALTER TABLE ${table} DROP COLUMN claim_token, DROP COLUMN smtp_started_at;`);
}
