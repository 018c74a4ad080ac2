import type { MigrationContext } from '../src/platform/migrator';

const OUTBOXES = ['deliveries', 'reminders', 'replies', 'alerts'];

/**
 * Each outbox row records which claim holds it and whether its message entered an SMTP transaction, so a
 * crash or an expired lease no longer makes every claimed message ambiguous:
 * - `claim_token`: a random token per claim. Every change a worker makes to a row it claimed (the start of
 *   its transaction, its outcome, its release) names it, so a worker whose claim was taken back and given to
 *   another can no longer touch the row, nor start a second copy of its message.
 * - `smtp_started_at`: set when the message enters its SMTP transaction on a ready connection (before MAIL
 *   FROM), and committed before the message's body may go out. An expired claim without it never reached the
 *   relay and goes back to the queue; only one with it is ambiguous.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  for (const table of OUTBOXES)
    await query(`ALTER TABLE ${table} ADD COLUMN claim_token uuid, ADD COLUMN smtp_started_at timestamptz;`);
}

export async function down({ query }: MigrationContext): Promise<void> {
  for (const table of OUTBOXES) await query(`ALTER TABLE ${table} DROP COLUMN claim_token, DROP COLUMN smtp_started_at;`);
}
