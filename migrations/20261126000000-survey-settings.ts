import type { MigrationContext } from '../src/platform/migrator';

// Survey settings that the builder edits and the response page and outbox read.
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE surveys
      ADD COLUMN intro text NOT NULL DEFAULT '',
      -- The teammate emails come from (else the workspace's sender); a contact's own owner wins over both.
      ADD COLUMN sender_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      -- After this moment links answer 410 "closed"; NULL = open until archived.
      ADD COLUMN closes_at timestamptz,
      -- Where the thank-you page may link back to: http(s) only, checked when saved.
      ADD COLUMN thank_you_url text,
      ADD COLUMN public_link_enabled boolean NOT NULL DEFAULT false;
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE surveys DROP COLUMN intro, DROP COLUMN sender_user_id, DROP COLUMN closes_at,
      DROP COLUMN thank_you_url, DROP COLUMN public_link_enabled;
  `);
}
