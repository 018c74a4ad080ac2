/**
 * npm run bench:respond — load-tests GET and POST /r/<token> on the real app against a bare node:http + pg
 * server doing the same lookup / lookup + upsert, in the same run, over many distinct tokens; then measures
 * the app's POST p99 at half its maximum rate. BENCH_SECONDS (default 10) per phase, BENCH_TOKENS (default
 * 2000). Embedded PostgreSQL (production settings) unless DATABASE_URL is set. Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createDb } from '../src/platform/db';
import { startEmbeddedPostgres } from '../src/platform/embeddedPostgres';
import { migrate } from '../src/platform/migrator';
import { createSealer, hashToken, newToken } from '../src/platform/tokens';
import { TEMPLATES } from '../src/modules/surveys/templates';
import { freePort } from '../tests/helpers/net';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function database() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-'));
  fs.chmodSync(dir, 0o755);
  // BENCH_FAST_PG=1 turns off fsync/synchronous_commit, to see the app's own cost apart from this disk's.
  const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), database: 'bench', fast: process.env.BENCH_FAST_PG === '1' });
  return { url: pg.url, stop: async () => (await pg.stop(), fs.rmSync(dir, { recursive: true, force: true })) };
}

async function seed(url: string) {
  const db = createDb(url);
  await migrate(db);
  const sealer = createSealer('bench-secret-key-that-is-long-enough-00000');
  const ws = (await db.one<{ id: string }>(`INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Bench', 'Bench', 'Street') RETURNING id`))!.id;
  const survey = (await db.one<{ id: string }>(`INSERT INTO surveys (workspace_id, title, template) VALUES (:ws, 'Bench', 'how-are-we-doing') RETURNING id`, { ws }))!.id;
  await db.query(`INSERT INTO survey_versions (survey_id, version, questions) VALUES (:survey, 1, :q) RETURNING version`, { survey, q: JSON.stringify(TEMPLATES[0]!.questions) });
  const wave = (await db.one<{ id: string }>(`INSERT INTO waves (workspace_id, survey_id, survey_version, kind) VALUES (:ws, :survey, 1, 'manual') RETURNING id`, { ws, survey }))!.id;
  const tokens = Array.from({ length: TOKENS }, () => newToken());
  await db.query(
    `WITH c AS (INSERT INTO contacts (workspace_id, email) SELECT :ws, 'p' || i || '@bench.test' FROM generate_series(1, :n) i RETURNING id),
          n AS (SELECT id, row_number() OVER () AS i FROM c),
          t AS (SELECT decode(x.h, 'hex') AS h, x.s, x.i FROM jsonb_to_recordset(:rows::jsonb) AS x(h text, s text, i int))
     INSERT INTO deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed, status)
     SELECT :ws, :wave, n.id, t.h, t.s, 'sent' FROM n JOIN t ON t.i = n.i RETURNING id`,
    { ws, wave, n: TOKENS, rows: JSON.stringify(tokens.map((tk, i) => ({ h: hashToken(tk).toString('hex'), s: sealer.seal(tk), i: i + 1 }))) },
  );
  await db.query('ANALYZE');
  await db.close();
  return tokens;
}

type Phase = { rps: number; p50: number; p99: number; errors: number; failed: number };

function load(port: number, tokens: string[], method: 'GET' | 'POST', overallRate?: number): Promise<Phase> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: SECONDS,
        overallRate,
        requests: [
          {
            method,
            headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
            setupRequest: (req) => {
              const n = i++;
              const path = `/r/${tokens[n % tokens.length]}`;
              return method === 'POST' ? { ...req, path, body: `nps=${n % 11}&reason=bench+${n}` } : { ...req, path };
            },
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err);
        const failed = Object.entries(r.statusCodeStats ?? {}).reduce((n, [code, s]) => (Number(code) >= 400 ? n + (s.count ?? 0) : n), 0);
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, failed });
      },
    );
  });
}

async function main() {
  const pg = await database();
  const child = fork(path.join(__dirname, 'respond.servers.ts'), [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/rapport-prof'] : [])],
    // As production runs: compiled templates are cached (Express does so under NODE_ENV=production).
    env: { ...process.env, DATABASE_URL: pg.url, NODE_ENV: 'production' },
  });
  try {
    const tokens = await seed(pg.url);
    const { appPort, barePort } = await new Promise<{ appPort: number; barePort: number }>((resolve) => child.once('message', resolve as never));
    console.log(`respond bench: ${TOKENS} tokens, ${CONNECTIONS} connections, ${SECONDS} s per phase`);
    // A short warm-up of both, so JIT and pools are ready before anything is measured.
    const warm = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
    if (warm > 0) await Promise.all([appPort, barePort].map((p) => autocannon({ url: `http://127.0.0.1:${p}/r/${tokens[0]}`, duration: warm, connections: 8 })));

    const appGet = await load(appPort, tokens, 'GET');
    const bareGet = await load(barePort, tokens, 'GET');
    const appPost = await load(appPort, tokens, 'POST');
    const barePost = await load(barePort, tokens, 'POST');
    const halfRate = Math.max(1, Math.floor(appPost.rps / 2));
    const appPostHalf = await load(appPort, tokens, 'POST', halfRate);
    // The same rate on the bare server: the floor this disk and database set for any POST.
    const barePostHalf = await load(barePort, tokens, 'POST', halfRate);

    const ratio = (a: Phase, b: Phase) => Math.round((a.rps / b.rps) * 100) / 100;
    const rows = [
      ['GET  /r/<token>  app', appGet],
      ['GET  /r/<token>  bare', bareGet],
      ['POST /r/<token>  app', appPost],
      ['POST /r/<token>  bare', barePost],
      [`POST app at ${halfRate} req/s`, appPostHalf],
      [`POST bare at ${halfRate} req/s`, barePostHalf],
    ] as const;
    for (const [name, p] of rows) console.log(`${name.padEnd(30)} ${p.rps.toFixed(0).padStart(7)} req/s  p50 ${p.p50} ms  p99 ${p.p99} ms  errors ${p.errors}  4xx/5xx ${p.failed}`);
    const result = {
      bench: 'respond',
      seconds: SECONDS,
      tokens: TOKENS,
      connections: CONNECTIONS,
      getRps: { app: Math.round(appGet.rps), bare: Math.round(bareGet.rps), ratio: ratio(appGet, bareGet) },
      postRps: { app: Math.round(appPost.rps), bare: Math.round(barePost.rps), ratio: ratio(appPost, barePost) },
      postHalfRate: { rate: halfRate, p99Ms: appPostHalf.p99, p50Ms: appPostHalf.p50, bareP99Ms: barePostHalf.p99, bareP50Ms: barePostHalf.p50 },
      fastPg: process.env.BENCH_FAST_PG === '1',
      goals: { ratioAtLeast: 0.5, p99AtMostMs: 25 },
      met: ratio(appGet, bareGet) >= 0.5 && ratio(appPost, barePost) >= 0.5 && appPostHalf.p99 <= 25,
    };
    console.log(`GET ratio ${result.getRps.ratio}, POST ratio ${result.postRps.ratio} (goal ≥ 0.5); POST p99 at half rate ${appPostHalf.p99} ms (goal ≤ 25)`);
    console.log(JSON.stringify(result));
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
