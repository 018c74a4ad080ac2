import type { MigrationContext } from '../src/platform/migrator';

/**
 * Which answers the Inbox lists, per workspace (Settings → Inbox): `worth` (the default: an unhappy score or any
 * comment) or `every` answer. A workspace without a row has the default. Conversations are still opened for every
 * response by the followups trigger: this only decides what the Inbox lists (src/modules/followups/README.md).
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE inbox_settings (
      workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
      opens text NOT NULL DEFAULT 'worth' CHECK (opens IN ('worth', 'every')),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP TABLE inbox_settings;`);
}
