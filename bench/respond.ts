/**
 * npm run bench:respond — load-tests GET and POST /r/<token> on the real app against a bare node:http + pg
 * server doing the same lookup / lookup + upsert, in the same run, over many distinct tokens; then measures
 * the app's POST latency at half its maximum rate, offered evenly (open loop). App and bare alternate in
 * slices of BENCH_SLICE_SECONDS (default 1) within each of BENCH_ROUNDS rounds (default 3); the medians of
 * the rounds are reported, with each server's CPU µs per request. Last, the app's POST with the insights
 * rollup triggers on and off (alternating slices, then paced): the rollup's upkeep on the respondent's path.
 * BENCH_SECONDS (default 10) per phase, BENCH_TOKENS (default 2000). Embedded PostgreSQL (production
 * settings; BENCH_FAST_PG=1 turns fsync off) unless DATABASE_URL is set. Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { createDb } from '../src/platform/db';
import { startEmbeddedPostgres } from '../src/platform/embeddedPostgres';
import { migrate } from '../src/platform/migrator';
import { createSealer, hashToken, newToken } from '../src/platform/tokens';
import { TEMPLATES } from '../src/modules/surveys/templates';
import { freePort } from '../tests/helpers/net';
import { pacedPosts, type PacedResult } from './support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SLICE = Number(process.env.BENCH_SLICE_SECONDS ?? 1);

async function database() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-'));
  fs.chmodSync(dir, 0o755);
  // BENCH_FAST_PG=1 turns off fsync/synchronous_commit, to see the app's own cost apart from this disk's.
  const pg = await startEmbeddedPostgres({
    dir: path.join(dir, 'data'),
    port: await freePort(),
    database: 'bench',
    fast: process.env.BENCH_FAST_PG === '1',
  });
  return { url: pg.url, stop: async () => (await pg.stop(), fs.rmSync(dir, { recursive: true, force: true })) };
}

async function seed(url: string) {
  const db = createDb(url);
  await migrate(db);
  const sealer = createSealer('bench-secret-key-that-is-long-enough-00000');
  const ws = (await db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Bench', 'Bench', 'Street') RETURNING id`,
  ))!.id;
  const survey = (await db.one<{ id: string }>(
    `INSERT INTO surveys (workspace_id, title, template) VALUES (:ws, 'Bench', 'how-are-we-doing') RETURNING id`,
    { ws },
  ))!.id;
  await db.execute(`INSERT INTO survey_versions (survey_id, version, questions) VALUES (:survey, 1, :q)`, {
    survey,
    q: JSON.stringify(TEMPLATES[0]!.questions),
  });
  const wave = (await db.one<{ id: string }>(
    `INSERT INTO waves (workspace_id, survey_id, survey_version, kind) VALUES (:ws, :survey, 1, 'manual') RETURNING id`,
    { ws, survey },
  ))!.id;
  const tokens = Array.from({ length: TOKENS }, () => newToken());
  await db.execute(
    `WITH c AS (INSERT INTO contacts (workspace_id, email) SELECT :ws, 'p' || i || '@bench.test' FROM generate_series(1, :n) i RETURNING id),
          n AS (SELECT id, row_number() OVER () AS i FROM c),
          t AS (SELECT decode(x.h, 'hex') AS h, x.s, x.i FROM jsonb_to_recordset(:rows::jsonb) AS x(h text, s text, i int))
     INSERT INTO deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed, status)
     SELECT :ws, :wave, n.id, t.h, t.s, 'sent' FROM n JOIN t ON t.i = n.i`,
    {
      ws,
      wave,
      n: TOKENS,
      rows: JSON.stringify(tokens.map((tk, i) => ({ h: hashToken(tk).toString('hex'), s: sealer.seal(tk), i: i + 1 }))),
    },
  );
  await db.execute('ANALYZE');
  await db.close();
  return tokens;
}

/** One measured phase: as a paced run reports it, with each side's CPU per request added. */
type Phase = Omit<PacedResult, 'loaderLateMs'> & {
  serverUsPerReq?: number;
  loaderUsPerReq?: number;
  loaderLateMs?: number;
};

const body = (n: number) => `nps=${n % 11}&reason=bench+${n}`;
let next = 0;

/** Closed loop at full speed: CONNECTIONS clients, each sending its next request when the last one is answered. */
function flood(port: number, tokens: string[], method: 'GET' | 'POST', seconds = SECONDS): Promise<Phase> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method,
            headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
            setupRequest: (req) => {
              const n = next++;
              const path = `/r/${tokens[n % tokens.length]}`;
              return method === 'POST' ? { ...req, path, body: body(n) } : { ...req, path };
            },
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err);
        const failed = Object.entries(r.statusCodeStats ?? {}).reduce(
          (n, [code, s]) => (Number(code) >= 400 ? n + (s.count ?? 0) : n),
          0,
        );
        resolve({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors,
          failed,
          requests: r.requests.total,
        });
      },
    );
  });
}

/** The app's POST at a fixed rate, open loop (see bench/support.ts). */
const paced = (port: number, tokens: string[], rate: number, seconds = SECONDS): Promise<Phase> =>
  pacedPosts(port, rate, seconds, CONNECTIONS, () => {
    const n = next++;
    return { path: `/r/${tokens[n % tokens.length]}`, body: body(n) };
  });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main() {
  const pg = await database();
  const child = fork(path.join(__dirname, 'respond.servers.ts'), [], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/rapport-prof'] : []),
    ],
    // As production runs: compiled templates are cached (Express does so under NODE_ENV=production).
    env: { ...process.env, DATABASE_URL: pg.url, NODE_ENV: 'production' },
  });
  // The servers' CPU time (user + system, µs), asked of the child: a cost per request that other sessions on
  // this machine disturb far less than they disturb requests per second.
  const serverCpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { cpu: number }) => resolve(m.cpu));
      child.send('cpu');
    });
  const cpuOf = (u: NodeJS.CpuUsage) => u.user + u.system;
  // Measures one phase with the CPU each side of the socket spent on it.
  const measured = async (run: () => Promise<Phase>) => {
    const [s0, l0] = [await serverCpu(), process.cpuUsage()];
    const phase = await run();
    const [s1, l1] = [await serverCpu(), cpuOf(process.cpuUsage(l0))];
    return {
      ...phase,
      serverUsPerReq: Math.round((s1 - s0) / phase.requests),
      loaderUsPerReq: Math.round(l1 / phase.requests),
    };
  };
  try {
    const tokens = await seed(pg.url);
    const { appPort, barePort } = await new Promise<{ appPort: number; barePort: number }>((resolve) =>
      child.once('message', resolve as never),
    );
    const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
    console.log(
      `respond bench: ${TOKENS} tokens, ${CONNECTIONS} connections, ${SECONDS} s per phase, ${rounds} rounds, load generator pid ${process.pid}, servers pid ${child.pid}`,
    );
    // Warm-up of both on both methods over many tokens, so JIT, pools and caches are ready before anything counts.
    const warm = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
    if (warm > 0)
      for (const port of [appPort, barePort])
        for (const m of ['GET', 'POST'] as const) await flood(port, tokens, m, warm);

    // App and bare alternate within each round (and swap who goes first), so a burst of load from elsewhere on
    // the machine hits both sides of a ratio alike; the ratios reported are the medians of the rounds'.
    const runs: Record<'appGet' | 'bareGet' | 'appPost' | 'barePost', Phase[]> = {
      appGet: [],
      bareGet: [],
      appPost: [],
      barePost: [],
    };
    // Within a round, app and bare take turns in short slices, so load from other sessions on this machine
    // (which comes and goes over seconds) falls on both sides of a ratio alike.
    const slices = Math.max(1, Math.round(SECONDS / SLICE));
    const merge = (ps: Phase[]): Phase => {
      const requests = ps.reduce((n, p) => n + p.requests, 0);
      const sum = (f: (p: Phase) => number) => ps.reduce((n, p) => n + f(p), 0);
      return {
        rps: requests / (ps.length * SLICE),
        p50: Math.round(median(ps.map((p) => p.p50))),
        p99: Math.round(median(ps.map((p) => p.p99))),
        errors: sum((p) => p.errors),
        failed: sum((p) => p.failed),
        requests,
        serverUsPerReq: Math.round(sum((p) => p.serverUsPerReq! * p.requests) / requests),
        loaderUsPerReq: Math.round(sum((p) => p.loaderUsPerReq! * p.requests) / requests),
      };
    };
    for (let r = 0; r < rounds; r++) {
      for (const m of ['GET', 'POST'] as const) {
        const got: Record<'app' | 'bare', Phase[]> = { app: [], bare: [] };
        for (let i = 0; i < slices; i++)
          for (const side of (r + i) % 2 ? (['bare', 'app'] as const) : (['app', 'bare'] as const))
            got[side].push(await measured(() => flood(side === 'app' ? appPort : barePort, tokens, m, SLICE)));
        runs[m === 'GET' ? 'appGet' : 'appPost'].push(merge(got.app));
        runs[m === 'GET' ? 'bareGet' : 'barePost'].push(merge(got.bare));
      }
    }
    const ratios = (a: Phase[], b: Phase[]) => Math.round(median(a.map((p, i) => p.rps / b[i]!.rps)) * 100) / 100;
    // Half the app's own maximum, offered evenly: the latency a respondent sees when the app is busy, not saturated.
    const halfRate = Math.max(1, Math.floor(median(runs.appPost.map((p) => p.rps)) / 2));
    const halves: Record<'app' | 'bare', Phase[]> = { app: [], bare: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? (['bare', 'app'] as const) : (['app', 'bare'] as const);
      for (const side of order)
        halves[side].push(await measured(() => paced(side === 'app' ? appPort : barePort, tokens, halfRate)));
    }

    // The insights rollup's upkeep on the POST: the app's POST with its statement triggers on and off, in
    // alternating slices (flood: req/s and server CPU per request) and paced at half rate (p99).
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    const rollupTriggers = async (on: boolean) => {
      for (const t of ['insert', 'update', 'delete'])
        await admin.query(`ALTER TABLE responses ${on ? 'ENABLE' : 'DISABLE'} TRIGGER responses_insights_${t}`);
    };
    const rollup: Record<'on' | 'off', Phase[]> = { on: [], off: [] };
    const rollupPaced: Record<'on' | 'off', Phase[]> = { on: [], off: [] };
    try {
      for (let r = 0; r < rounds; r++) {
        const got: Record<'on' | 'off', Phase[]> = { on: [], off: [] };
        for (let i = 0; i < slices; i++)
          for (const side of (r + i) % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
            await rollupTriggers(side === 'on');
            got[side].push(await measured(() => flood(appPort, tokens, 'POST', SLICE)));
          }
        rollup.on.push(merge(got.on));
        rollup.off.push(merge(got.off));
        for (const side of r % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          await rollupTriggers(side === 'on');
          rollupPaced[side].push(await measured(() => paced(appPort, tokens, halfRate)));
        }
      }
    } finally {
      await rollupTriggers(true);
      await admin.end();
    }

    const line = (name: string, p: Phase) =>
      console.log(
        `${name.padEnd(32)} ${p.rps.toFixed(0).padStart(6)} req/s  p50 ${String(p.p50).padStart(4)} ms  p99 ${String(p.p99).padStart(4)} ms  ` +
          `server ${p.serverUsPerReq} µs/req  loader ${p.loaderUsPerReq} µs/req${p.loaderLateMs === undefined ? '' : `  loader late p99 ${p.loaderLateMs} ms`}  errors ${p.errors}  4xx/5xx ${p.failed}`,
      );
    for (let r = 0; r < rounds; r++) {
      console.log(`round ${r + 1}`);
      line('  GET  /r/<token>  app', runs.appGet[r]!);
      line('  GET  /r/<token>  bare', runs.bareGet[r]!);
      line('  POST /r/<token>  app', runs.appPost[r]!);
      line('  POST /r/<token>  bare', runs.barePost[r]!);
      line(`  POST app  at ${halfRate} req/s (paced)`, halves.app[r]!);
      line(`  POST bare at ${halfRate} req/s (paced)`, halves.bare[r]!);
      line('  POST app, rollup on', rollup.on[r]!);
      line('  POST app, rollup off', rollup.off[r]!);
      line(`  POST rollup on  at ${halfRate} (paced)`, rollupPaced.on[r]!);
      line(`  POST rollup off at ${halfRate} (paced)`, rollupPaced.off[r]!);
    }
    const all = [
      ...Object.values(runs).flat(),
      ...halves.app,
      ...halves.bare,
      ...rollup.on,
      ...rollup.off,
      ...rollupPaced.on,
      ...rollupPaced.off,
    ];
    const failures = all.reduce((n, p) => n + p.errors + p.failed, 0);
    const med = (ps: Phase[], f: (p: Phase) => number) => Math.round(median(ps.map(f)));
    const result = {
      bench: 'respond',
      seconds: SECONDS,
      rounds,
      tokens: TOKENS,
      connections: CONNECTIONS,
      getRps: {
        app: med(runs.appGet, (p) => p.rps),
        bare: med(runs.bareGet, (p) => p.rps),
        ratio: ratios(runs.appGet, runs.bareGet),
      },
      postRps: {
        app: med(runs.appPost, (p) => p.rps),
        bare: med(runs.barePost, (p) => p.rps),
        ratio: ratios(runs.appPost, runs.barePost),
      },
      serverUsPerReq: {
        appGet: med(runs.appGet, (p) => p.serverUsPerReq!),
        bareGet: med(runs.bareGet, (p) => p.serverUsPerReq!),
        appPost: med(runs.appPost, (p) => p.serverUsPerReq!),
        barePost: med(runs.barePost, (p) => p.serverUsPerReq!),
      },
      postHalfRate: {
        rate: halfRate,
        p99Ms: med(halves.app, (p) => p.p99),
        p50Ms: med(halves.app, (p) => p.p50),
        bareP99Ms: med(halves.bare, (p) => p.p99),
        bareP50Ms: med(halves.bare, (p) => p.p50),
        loaderLateP99Ms: med([...halves.app, ...halves.bare], (p) => p.loaderLateMs!),
      },
      // The insights rollup's cost on the POST (goal: at most 10 % slower).
      rollupUpkeep: {
        postRpsOn: med(rollup.on, (p) => p.rps),
        postRpsOff: med(rollup.off, (p) => p.rps),
        rpsRatio: ratios(rollup.on, rollup.off),
        serverUsPerReqOn: med(rollup.on, (p) => p.serverUsPerReq!),
        serverUsPerReqOff: med(rollup.off, (p) => p.serverUsPerReq!),
        pacedP99MsOn: med(rollupPaced.on, (p) => p.p99),
        pacedP99MsOff: med(rollupPaced.off, (p) => p.p99),
      },
      failures,
      fastPg: process.env.BENCH_FAST_PG === '1',
      goals: { ratioAtLeast: 0.5, p99AtMostMs: 25, rollupRpsRatioAtLeast: 0.9 },
      met: false,
    };
    result.met =
      failures === 0 &&
      result.getRps.ratio >= 0.5 &&
      result.postRps.ratio >= 0.5 &&
      result.postHalfRate.p99Ms <= 25 &&
      result.rollupUpkeep.rpsRatio >= 0.9;
    console.log(
      `GET ratio ${result.getRps.ratio}, POST ratio ${result.postRps.ratio} (goal ≥ 0.5, medians of ${rounds} rounds); ` +
        `POST p99 at half rate ${result.postHalfRate.p99Ms} ms (goal ≤ 25; bare ${result.postHalfRate.bareP99Ms} ms); ` +
        `POST with/without the insights rollup ${result.rollupUpkeep.rpsRatio} (goal ≥ 0.9); failures ${failures}`,
    );
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
