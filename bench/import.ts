/**
 * npm run bench:import — imports BENCH_SIZE (default 100,000) contacts from a generated CSV through the
 * same HTTP path as the import page (multipart upload → mapping → import job polled until done), and, in
 * the same run, a bare baseline: the same file streamed through csv-parse into a plain table with
 * 1,000-row INSERTs (no validation, no upsert, no suppression check). Prints rows/second, the ratio to bare
 * and peak RSS; the last line is one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import pg from 'pg';
import request from 'supertest';
import { buildApp } from '../src/app';
import { createDb } from '../src/platform/db';
import { migrate } from '../src/platform/migrator';
import { createLogger } from '../src/platform/logger';
import { createSealer } from '../src/platform/tokens';
import { startEmbeddedPostgres } from '../src/platform/embeddedPostgres';

const ROWS = Number(process.env.BENCH_SIZE ?? 100_000);
const SECRET = 'bench-secret-key-that-is-long-enough-0000';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

async function writeCsv(file: string, rows: number) {
  await pipeline(
    Readable.from(
      (function* () {
        yield 'email,first name,last name,locale,plan,company,region\n';
        for (let i = 0; i < rows; i++) {
          yield `person${i}@example.com,First${i},Last${i},${['en', 'fr', 'de', 'es'][i % 4]},${i % 3 ? 'pro' : 'free'},Company ${i % 997},${['eu', 'us', 'apac'][i % 3]}\n`;
        }
      })(),
    ),
    fs.createWriteStream(file),
  );
}

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return { stop: () => (clearInterval(timer), peak) };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-'));
  fs.chmodSync(tmp, 0o755);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    let adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      const embedded = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), port: await freePort() });
      stops.push(embedded.stop);
      adminUrl = embedded.adminUrl;
    }
    // A database of its own, dropped afterwards: the bench never touches existing data.
    const name = `rapport_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    stops.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    const db = createDb(url);
    stops.push(() => db.close());
    await migrate(db);
    const sessionPool = new pg.Pool({ connectionString: url, max: 2 });
    stops.push(() => sessionPool.end());
    const app = buildApp({
      config: { publicUrl: 'http://bench.test', trustProxy: false, importMaxBytes: 1024 * 2 ** 20 },
      db,
      sessionPool,
      log: createLogger('silent'),
      secretKey: SECRET,
      sealer: createSealer(SECRET),
      mailboxEnabled: false,
      onQueued: () => undefined,
    });

    const file = path.join(tmp, 'contacts.csv');
    await writeCsv(file, ROWS);
    const bytes = fs.statSync(file).size;

    // Bare baseline: the same file, streamed and inserted as-is.
    await db.execute(
      'CREATE TABLE IF NOT EXISTS bench_bare (email text, first text, last text, locale text, plan text, company text, region text)',
    );
    const bareStart = process.hrtime.bigint();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let batch: string[][] = [];
    const flush = async () => {
      if (!batch.length) return;
      const values = batch
        .map((_, i) => `(${Array.from({ length: 7 }, (_, j) => `$${i * 7 + j + 1}`).join(',')})`)
        .join(',');
      await client.query(`INSERT INTO bench_bare VALUES ${values}`, batch.flat());
      batch = [];
    };
    for await (const rec of fs.createReadStream(file).pipe(parse({ from_line: 2 })) as AsyncIterable<string[]>) {
      batch.push(rec);
      if (batch.length === 1000) await flush();
    }
    await flush();
    await client.end();
    const bareSeconds = Number(process.hrtime.bigint() - bareStart) / 1e9;

    // The app: sign up, upload, accept the guessed mapping, import, poll the job page until it is done.
    const agent = request.agent(app);
    const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const setup = await agent.get('/setup');
    await agent
      .post('/setup')
      .type('form')
      .send({
        _csrf: token(setup.text),
        workspaceName: 'Bench',
        senderName: 'Bench',
        postalAddress: '1 Bench St',
        name: 'Bench',
        email: 'bench@bench.test',
        password: 'correct horse battery',
      });
    const rssBefore = process.memoryUsage().rss;
    const sampler = rssSampler();
    const appStart = process.hrtime.bigint();
    const form = await agent.get('/contacts/imports');
    // The token is the form's first field, before the file (as the page's form sends it).
    const uploaded = await agent.post('/contacts/imports').field('_csrf', token(form.text)).attach('file', file);
    if (uploaded.status !== 303) throw new Error(`upload refused: ${uploaded.status}`);
    const jobUrl = uploaded.headers.location!;
    const mapping = await agent.get(jobUrl);
    const fields: Record<string, string> = { _csrf: token(mapping.text), action: 'import' };
    for (const m of mapping.text.matchAll(/name="col\.(\d+)">([\s\S]*?)<\/select>/g))
      fields[`col.${m[1]}`] = /<option value="(\w+)" selected>/.exec(m[2]!)![1]!;
    for (const m of mapping.text.matchAll(/name="key\.(\d+)" value="([^"]*)"/g)) fields[`key.${m[1]}`] = m[2]!;
    await agent.post(jobUrl).type('form').send(fields);
    let page = '';
    for (;;) {
      page = (await agent.get(jobUrl)).text;
      if (/Import (finished|failed)\./.test(page)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const appSeconds = Number(process.hrtime.bigint() - appStart) / 1e9;
    const peakRss = sampler.stop();
    const added = Number(/data-testid="added">(\d+)</.exec(page)?.[1]);
    if (added !== ROWS) throw new Error(`expected ${ROWS} added, got ${added}: ${page.slice(0, 500)}`);

    const mb = (n: number) => Math.round(n / 2 ** 20);
    const result = {
      bench: 'import',
      rows: ROWS,
      fileMb: Math.round((bytes / 2 ** 20) * 10) / 10,
      appSeconds: Math.round(appSeconds * 100) / 100,
      appRowsPerSecond: Math.round(ROWS / appSeconds),
      bareRowsPerSecond: Math.round(ROWS / bareSeconds),
      ratioToBare: Math.round((bareSeconds / appSeconds) * 100) / 100,
      rssBeforeMb: mb(rssBefore),
      peakRssMb: mb(peakRss),
      rssGrowthMb: mb(peakRss - rssBefore),
    };
    console.log(
      `app: ${result.appRowsPerSecond} rows/s (upload + validate + upsert + report), bare INSERT: ${result.bareRowsPerSecond} rows/s, ratio ${result.ratioToBare}`,
    );
    console.log(
      `peak RSS ${result.peakRssMb} MB (+${result.rssGrowthMb} MB during the import of a ${result.fileMb} MB file)`,
    );
    console.log(JSON.stringify(result));
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
