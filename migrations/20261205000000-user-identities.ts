import type { MigrationContext } from '../src/platform/migrator';

/**
 * Single sign-on (OpenID Connect): the account at the identity provider a person signs in with. Matched by
 * `(issuer, subject)` — the provider's stable id for them — never again by email once linked. One link per
 * person per provider.
 */
export async function up({ query }: MigrationContext): Promise<void> {
  await query(`
    CREATE TABLE user_identities (
      issuer text NOT NULL,
      subject text NOT NULL,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      email text,
      linked_at timestamptz NOT NULL DEFAULT now(),
      last_signed_in_at timestamptz,
      PRIMARY KEY (issuer, subject),
      UNIQUE (user_id, issuer)
    );
  `);
}

export async function down({ query }: MigrationContext): Promise<void> {
  await query(`DROP TABLE user_identities;`);
}
