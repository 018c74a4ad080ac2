import type { MigrationContext } from '../src/platform/migrator';

/**
 * The digests outbox gets the two columns every outbox table has since 20261202900000 (which landed beside it):
 * the claim that holds a row, and when its message entered an SMTP transaction, so a crash strands no digest
 * that never reached the relay and makes ambiguous only one that did.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`ALTER TABLE digests ADD COLUMN claim_token uuid, ADD COLUMN smtp_started_at timestamptz;`);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`ALTER TABLE digests DROP COLUMN claim_token, DROP COLUMN smtp_started_at;`);
}
