/**
 * The app the insights bench measures, in a process of its own, so its memory (the export's peak RSS) and
 * CPU are its own. Answers the parent's questions about its memory over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { buildApp } from '../src/app';
import { createDb } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';
import { createSealer } from '../src/platform/tokens';
import { DEFAULT_CONFIG } from '../src/config';
import { compactRollups, insightsReaders } from '../src/modules/insights';

async function main() {
  const url = process.env.DATABASE_URL!;
  const secret = 'bench-secret-key-that-is-long-enough-00000';
  const db = createDb(url);
  const app = buildApp({
    config: { publicUrl: 'http://localhost', trustProxy: false, respondRateLimit: 1e9 },
    db,
    // As boot.ts builds it: the dashboards on a pool of their own, at the defaults.
    readers: insightsReaders(url, {
      poolMax: DEFAULT_CONFIG.insightsPoolSize,
      statementTimeoutMs: DEFAULT_CONFIG.insightsStatementTimeoutSeconds * 1000,
    }),
    sessionPool: new pg.Pool({ connectionString: url, max: 2 }),
    log: createLogger('warn'),
    secretKey: secret,
    sealer: createSealer(secret),
    mailboxEnabled: false,
    onQueued: () => undefined,
  });
  // As the ticker does in production (insights' minute job): the pending rows of the POSTs are folded.
  setInterval(() => void compactRollups(db).catch(() => undefined), 60_000).unref();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Peak RSS since the last reset, sampled often enough to catch a buffer that comes and goes.
  let peak = process.memoryUsage().rss;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20).unref();
  process.on('message', (m: string) => {
    if (m === 'reset') {
      global.gc?.();
      peak = process.memoryUsage().rss;
      process.send!({ rss: peak });
    } else if (m === 'peak') process.send!({ rss: peak });
  });
  process.send!({ port: (server.address() as AddressInfo).port });
  process.on('SIGINT', () => process.exit(0));
}

void main();
