import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createDb, type Db } from '../../src/platform/db';
import { embeddedUrls } from '../../src/platform/embeddedPostgres';
import { freePort } from '../helpers/net';
import { createSurvey, OWNER, sendNow, signedInAgent, submitForm } from '../helpers/testApp';

/**
 * `npm run backup` and `npm run restore` on a real embedded PostgreSQL of their own (whatever DATABASE_URL the
 * test run has), each command and Rapport itself in a process of its own as an operator runs them: a workspace
 * made through HTTP, a backup taken while Rapport runs and a writer commits, a mistake, a restore refused while
 * Rapport runs and then done, and every table compared.
 */
const ROOT = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-backup-test-'));
fs.chmodSync(tmp, 0o755); // as root, the postgres user must be able to enter it
const dataDir = path.join(tmp, 'pg');
const file = path.join(tmp, 'backups', 'rapport.tar.gz');
let env: Record<string, string>;

const run = (script: string, args: string[] = []) =>
  spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

function cli(command: 'backup' | 'restore', ...args: string[]) {
  const child = run(`src/cli/${command}.ts`, args);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, output })),
  );
}

/** Every table's row count and a hash of its rows in a stable order. */
async function fingerprint(db: Db) {
  const tables = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'backup_probe' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await db.query<{ n: number; h: string }>(
      `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM "${name}" t`,
    );
    out[name] = `${row!.n}:${row!.h}`;
  }
  // The insights rollup is rollup + what is pending (deltas, changed rows), and a running Rapport folds those
  // every minute: what must survive a restore is their sum, not how it is split between the tables at that moment.
  delete out.insight_rollups;
  delete out.insight_rollup_deltas;
  delete out.insight_rollup_pending;
  // The compaction epoch counts those folds (the dashboards' cache version): a fold after the restore moves it.
  delete out.insight_rollup_epoch;
  const [rollup] = await db.query<{ h: string }>(
    `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM (
       SELECT survey_id, survey_version, day, question_id, value, sum(n) AS n
       FROM (SELECT * FROM insight_rollups UNION ALL SELECT * FROM insight_rollup_unfolded) u
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0) x`,
  );
  out['insight_rollups + insight_rollup_unfolded'] = rollup!.h;
  return out;
}

let rapport: ChildProcess | undefined;
let db: Db | undefined;
/** `npm start`'s process on the embedded database; resolves with its URL once it prints it. */
const start = async () => {
  const child = (rapport = run('src/main.ts'));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /Rapport is running at (\S+)/.exec(output);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`Rapport exited (${code}) before it was ready:\n${output}`)));
  });
  db = createDb(embeddedUrls(Number(env.EMBEDDED_PG_PORT)).url);
  return url;
};
const stop = async () => {
  await db?.close();
  if (rapport && rapport.exitCode === null) {
    const exited = new Promise((resolve) => rapport!.once('exit', resolve));
    rapport.kill('SIGTERM');
    await exited;
  }
  db = rapport = undefined;
};
beforeAll(async () => {
  env = {
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    PORT: String(await freePort()),
    SCHEDULER_ENABLED: 'false',
  };
});
afterAll(async () => {
  await stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

it('backs up a running workspace, refuses to restore under a running Rapport, then restores it exactly', async () => {
  const url = await start();
  // A workspace through the front door: owner, survey, contacts, a wave through the built-in mailbox, an answer.
  const agent = await signedInAgent(url);
  const surveyId = await createSurvey(agent);
  await submitForm(agent, '/contacts', '/contacts/paste', {
    lines: 'Ada, ada@example.com\nGrace, grace@example.com\nLin, lin@example.com',
  });
  await sendNow(agent, surveyId);
  const deadline = Date.now() + 30_000;
  let mails: { html: string }[];
  while ((mails = await db!.query<{ html: string }>('SELECT html FROM mailbox_messages')).length < 3) {
    if (Date.now() > deadline) throw new Error('the invitations did not reach the mailbox');
    await new Promise((r) => setTimeout(r, 50));
  }
  const token = /\/r\/([\w-]{43})\?score=/.exec(mails[0]!.html)![1]!;
  await request(url).post(`/r/${token}`).type('form').send({ nps: '3', reason: 'Slow replies' }).expect(303);

  // A writer commits pairs of rows, each pair in one transaction, all through the backup.
  await db!.query('CREATE TABLE backup_probe (pair integer NOT NULL, half integer NOT NULL)');
  let pairs = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await db!.transaction(async (tx) => {
        await db!.query('INSERT INTO backup_probe VALUES (:pairs, 1)', { pairs }, tx);
        await db!.query('INSERT INTO backup_probe VALUES (:pairs, 2)', { pairs }, tx);
      });
      pairs++;
    }
  })();
  while (pairs < 20) await new Promise((r) => setTimeout(r, 10));
  const committedBefore = pairs;

  const backup = await cli('backup', file);
  writing = false;
  await writer;
  expect(backup).toEqual({ code: 0, output: expect.stringContaining(`Backed up ${dataDir} to ${file}`) });
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const before = await fingerprint(db!);
  expect(Object.keys(before)).toEqual(
    expect.arrayContaining([
      'workspaces',
      'users',
      'contacts',
      'deliveries',
      'responses',
      'alerts',
      'mailbox_messages',
    ]),
  );
  expect(before.responses).toMatch(/^1:/);

  // A mistake after the backup.
  await db!.query(`UPDATE workspaces SET name = 'Oops'`);
  await db!.query('DELETE FROM mailbox_messages');

  const refused = await cli('restore', file);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain(`Rapport is running on ${dataDir}: stop it first`);
  expect(fs.readdirSync(tmp).sort()).toEqual(['backups', 'pg']);

  await stop();
  const restored = await cli('restore', file);
  expect(restored).toEqual({ code: 0, output: expect.stringContaining(`into ${dataDir}`) });
  const kept = fs.readdirSync(tmp).filter((f) => f.startsWith('pg.before-restore-'));
  expect(kept).toHaveLength(1);

  const restartedUrl = await start();
  expect(await fingerprint(db!)).toEqual(before);
  const [probe] = await db!.query<{ n: number; torn: number }>(
    'SELECT count(*) AS n, count(*) FILTER (WHERE c <> 2) AS torn FROM (SELECT pair, count(*) AS c FROM backup_probe GROUP BY pair) p',
  );
  // Every pair committed before the backup began is there, none is half there, none after the writer stopped.
  expect(probe!.torn).toBe(0);
  expect(probe!.n).toBeGreaterThanOrEqual(committedBefore);
  expect(probe!.n).toBeLessThanOrEqual(pairs);
  // And the owner signs in to the restored workspace.
  const login = request.agent(restartedUrl);
  await submitForm(login, '/login', '/login', { email: OWNER.email, password: OWNER.password });
  expect((await login.get('/surveys').expect(200)).text).toContain('Acme');
}, 600_000);
