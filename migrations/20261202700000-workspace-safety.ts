import type { MigrationContext } from '../src/platform/migrator';

/**
 * Workspace settings that make the team's buttons safe to press:
 * - `allow_frequent_schedules`: a schedule firing more often than once an hour (`* * * * *` emailed a whole
 *   list within seconds) is refused unless an owner or admin turned this on.
 * - `time_zone`: the zone a new schedule starts in (when the browser does not say its own).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE workspaces
      ADD COLUMN allow_frequent_schedules boolean NOT NULL DEFAULT false,
      ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE workspaces DROP COLUMN allow_frequent_schedules, DROP COLUMN time_zone;
  `);
}
