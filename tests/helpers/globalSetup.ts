import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net';
import { startEmbeddedPostgres } from '../../src/platform/embeddedPostgres';

/**
 * Gives every test file a real PostgreSQL: the one in DATABASE_URL when set (CI runs both ways), else an
 * embedded cluster in a temporary folder, started once for the whole run. Files create their own databases
 * from TEST_ADMIN_DATABASE_URL.
 */
export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-test-pg-'));
  fs.chmodSync(dir, 0o755); // as root, the postgres user must be able to enter it
  const port = await freePort();
  const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port, fast: true });
  process.env.TEST_ADMIN_DATABASE_URL = pg.adminUrl;
  (globalThis as { __rapportTestPg?: unknown }).__rapportTestPg = { stop: pg.stop, dir };
}
