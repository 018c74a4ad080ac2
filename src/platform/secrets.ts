import crypto from 'node:crypto';
import type { Db } from './db';

/**
 * The app key signs sessions and CSRF tokens and seals response tokens. SECRET_KEY wins; without it the
 * first instance to start generates one and stores it in the database, so every instance agrees on it.
 */
export async function resolveSecretKey(
  db: Db,
  configured?: string,
): Promise<{ key: string; source: 'env' | 'database' }> {
  if (configured) return { key: configured, source: 'env' };
  await db.execute(
    `INSERT INTO app_secrets (name, value) VALUES ('secret_key', :value) ON CONFLICT (name) DO NOTHING`,
    { value: crypto.randomBytes(32).toString('base64url') },
  );
  const row = await db.one<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'secret_key'`);
  return { key: row!.value, source: 'database' };
}
