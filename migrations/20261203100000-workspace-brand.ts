import type { MigrationContext } from '../src/platform/migrator';

/**
 * A workspace's brand: a colour (#rrggbb, lower case; NULL is Rapport's own) and a logo, shown on the team's
 * pages, the respondent's pages and the emails.
 *
 * The logo is an uploaded image kept here (PNG, JPEG, GIF or WebP, sniffed from its bytes, at most 256 KiB),
 * not a URL to somebody else's server: respondents' pages and emails then load it from Rapport's own address
 * (no third party learns who opened a survey, the page's CSP stays 'self', nothing changes or vanishes behind
 * our back). It is served by its SHA-256 (`/brand/logo/<sha256>`), so its URL changes with its content and can
 * be cached for ever. `workspaces.logo_sha256` says which one is current, so the pages that show it read it
 * with the workspace's row and never touch the bytes.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    ALTER TABLE workspaces
      ADD COLUMN brand_color text CHECK (brand_color ~ '^#[0-9a-f]{6}$'),
      ADD COLUMN logo_sha256 text CHECK (logo_sha256 ~ '^[0-9a-f]{64}$');
    CREATE TABLE workspace_logos (
      workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
      bytes bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 262144),
      width integer NOT NULL CHECK (width BETWEEN 1 AND 4096),
      height integer NOT NULL CHECK (height BETWEEN 1 AND 4096),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX workspace_logos_sha256_idx ON workspace_logos (sha256);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`
    DROP TABLE workspace_logos;
    ALTER TABLE workspaces DROP COLUMN brand_color, DROP COLUMN logo_sha256;
  `);
}
