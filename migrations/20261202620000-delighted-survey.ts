import type { MigrationContext } from '../src/platform/migrator';

// The Delighted-compatible door (/v1) speaks of one NPS survey per account; in Rapport a workspace chooses which
// of its surveys that is (Settings → API keys). The api module's table. No row: the oldest active NPS survey.
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE api_settings (
      workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
      delighted_survey_id uuid REFERENCES surveys(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP TABLE api_settings;`);
}
