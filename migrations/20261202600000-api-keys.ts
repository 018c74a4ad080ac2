import type { MigrationContext } from '../src/platform/migrator';

// API keys (the api module's): a workspace's keys for /api/v1 and the Delighted-compatible /v1. The key itself
// is shown once; only its SHA-256 is kept, with a short visible prefix so a person can tell keys apart.
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
      -- The key's first characters ("rk_Ab12Cd34"), shown on the Settings page and never enough to use it.
      prefix text NOT NULL,
      key_hash bytea NOT NULL UNIQUE,
      scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write']),
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at DESC);
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP TABLE api_keys;`);
}
