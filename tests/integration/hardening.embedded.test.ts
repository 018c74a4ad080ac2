import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import request from 'supertest';
import { freePort } from '../helpers/net';
import { waitFor } from '../helpers/wait';

/**
 * A real Rapport process on a dedicated embedded PostgreSQL cluster, whose postmaster this test kills. It must
 * come back by itself and say so in the log; when it cannot, report itself unhealthy and exit non-zero so a
 * supervisor restarts it.
 */
let dir: string;
let child: ChildProcess;
let pgPort: number;
let base: string;
const events: { msg: string; event?: string; url?: string }[] = [];
let changed: () => void = () => undefined;
let exit: { code: number | null } | undefined;

/** Resolves when the process's log (or its exit) shows what we wait for: events, not time. */
const until = (check: () => boolean) =>
  new Promise<void>((resolve) => {
    if (check()) return resolve();
    changed = () => {
      if (check()) resolve();
    };
  });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-embedded-'));
  fs.chmodSync(dir, 0o755);
  pgPort = await freePort();
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/rapportProcess.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      PORT: String(port),
      EMBEDDED_PG_DIR: path.join(dir, 'pg'),
      EMBEDDED_PG_PORT: String(pgPort),
      WORKER_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'info',
      SECRET_KEY: 'embedded-test-secret-key-long-enough-0000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      // not a log line
    }
    changed();
  });
  child.once('exit', (code) => {
    exit = { code };
    changed();
  });
  await until(() => events.some((e) => e.msg === 'ready') || !!exit);
  base = events.find((e) => e.msg === 'ready')!.url!;
}, 120_000);

afterAll(async () => {
  if (!exit) {
    child.kill('SIGTERM');
    await until(() => !!exit);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const postmasterPid = () => Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

it('when its embedded PostgreSQL is killed, restarts it, says so in the log, and serves again', async () => {
  await waitFor(async () => (await request(base).get('/readyz')).status === 200);
  const before = postmasterPid();
  process.kill(before, 'SIGKILL');
  // Giving up (and exiting) ends the wait too, so a failure shows the supervisor's own account of why.
  await until(() => events.some((e) => e.event === 'restarted' || e.event === 'gave-up') || !!exit);
  const supervisor = events.filter((e) => e.event || exit).map((e) => JSON.stringify(e));
  expect(supervisor.join('\n')).toContain('"event":"restarted"');
  expect(events.find((e) => e.event === 'exited')?.msg).toBe('embedded PostgreSQL exited unexpectedly; restarting it');
  expect(postmasterPid()).not.toBe(before);
  // The pool's connections died with the old server; new ones reach the restarted one.
  for (;;) {
    const res = await request(base).get('/readyz');
    if (res.status === 200) break;
    expect(res.status).toBe(503);
  }
  await request(base).get('/healthz').expect(200);
  expect(exit).toBeUndefined();
});

it('when it cannot be restarted (its port taken), reports itself unhealthy, logs why and exits non-zero', async () => {
  const blocker = net.createServer();
  process.kill(postmasterPid(), 'SIGKILL');
  // Take the port as soon as it is free, so every restart fails.
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false));
      blocker.listen(pgPort, '127.0.0.1', () => resolve(true));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    await until(() => events.some((e) => e.event === 'restart-failed'));
    await until(() => events.some((e) => e.event === 'gave-up') || !!exit);
    expect(events.find((e) => e.event === 'gave-up')?.msg).toBe(
      'embedded PostgreSQL cannot be restarted; this process can no longer work',
    );
    await until(() => !!exit);
    expect(exit!.code).toBe(1);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
