import type { MigrationContext } from '../src/platform/migrator';

/**
 * Webhook messages are kept WEBHOOK_RETENTION_DAYS (retention's sweeper deletes the settled ones, oldest first):
 * the sweep reads events from the oldest through this index, not by scanning the table every minute.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE INDEX webhook_events_created_idx ON webhook_events (created_at);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP INDEX webhook_events_created_idx;`);
}
