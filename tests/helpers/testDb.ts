import crypto from 'node:crypto';
import { Client } from 'pg';
import { createDb, type Db } from '../../src/platform/db';
import { migrate } from '../../src/platform/migrator';

export type ScratchDatabase = { url: string; db: Db; drop: () => Promise<void> };

/** A new, migrated database on the server behind `adminUrl`, dropped by drop(). Tests and benches use it. */
export async function createScratchDatabase(adminUrl: string, prefix: string, poolMax = 5): Promise<ScratchDatabase> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), { poolMax });
  await migrate(db);
  return {
    url: url.toString(),
    db,
    drop: async () => {
      await db.close();
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A fresh, migrated database of its own for one test file, dropped afterwards. */
export async function createTestDatabase(): Promise<ScratchDatabase> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_ADMIN_DATABASE_URL is unset: run the tests through jest (globalSetup sets it).');
  return createScratchDatabase(adminUrl, `rapport_test_${process.env.JEST_WORKER_ID ?? '0'}`);
}

async function admin(url: string, sql: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
