/**
 * npm run bench:insights — loads BENCH_SIZE answers (default 10,000,000) of one survey, spread over two
 * years, with COPY, then
 * measures in the same run, against the app in a process of its own (see the load step for how the rollup
 * is built):
 *  - the dashboard page through HTTP, p50/p95 (goal p95 ≤ 100 ms at 10M);
 *  - the same numbers computed by a raw scan of `responses` (goal: the page ≥ 20× faster);
 *  - the dashboard filtered by a segment, which reads the raw rows (goal p95 ≤ 1 s);
 *  - the respondent's POST p99, alone and while four clients load dashboards (goal ≤ 2× alone);
 *  - the CSV export of every row through HTTP against `COPY … TO STDOUT` of the same rows (goal ≥ 50 % of
 *    COPY's rows/s), its time to first byte and the app's peak RSS growth (goal ≤ 100 MB).
 * Embedded PostgreSQL unless DATABASE_URL is set (then a scratch database there, dropped after).
 * BENCH_CONTACTS (default 100,000), BENCH_REQUESTS (dashboard requests, default 60). BENCH_KEEP=1 (with
 * DATABASE_URL) keeps the scratch database and prints its URL, to EXPLAIN the page's queries afterwards.
 * Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { hashToken, newToken, createSealer } from '../src/platform/tokens';
import { compactRollups } from '../src/modules/insights';
import { TEMPLATES } from '../src/modules/surveys/templates';
import { benchDatabase, pacedPosts } from './support';

const SIZE = Number(process.env.BENCH_SIZE ?? 10_000_000);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const CHUNK = 1_000_000;
const DAY = 86_400_000;

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! * 10) / 10;
};

/** A small deterministic generator, so every run loads the same answers. */
function random(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const SUBJECTS = ['support', 'delivery', 'pricing', 'the app', 'onboarding', 'documentation', 'billing', 'search'];
const ADJECTIVES = ['slow', 'fast', 'great', 'confusing', 'expensive', 'helpful', 'late', 'easy'];
const TAILS = ['waited three days', 'thank you', 'please fix it', 'love it', 'not again', 'keep it up', ''];
const csvText = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The answers as COPY CSV rows, oldest first (as they arrive), two years up to now. Promoters slowly gain on
 * detractors, so the trend has somewhere to go; about half the answers say why.
 */
function* answerRows(o: { workspaceId: string; surveyId: string; contacts: string[]; from: number; to: number }) {
  const rnd = random(42 + o.from);
  const span = 730 * DAY;
  const start = Date.now() - span;
  for (let i = o.from; i < o.to; i++) {
    const t = start + (i / SIZE) * span + rnd() * 1000;
    const drift = i / SIZE;
    const u = rnd();
    const score =
      u < 0.25 - 0.1 * drift
        ? Math.floor(rnd() * 7)
        : u < 0.55 - 0.05 * drift
          ? 7 + Math.floor(rnd() * 2)
          : 9 + Math.floor(rnd() * 2);
    const contact = o.contacts[Math.floor(rnd() * o.contacts.length)]!;
    let answers = `{"nps": ${score}}`;
    let comment = '';
    if (rnd() < 0.5) {
      const adj = ADJECTIVES[Math.floor(rnd() * ADJECTIVES.length)]!;
      const subject = SUBJECTS[Math.floor(rnd() * SUBJECTS.length)]!;
      const tail = TAILS[Math.floor(rnd() * TAILS.length)]!;
      comment = `${adj[0]!.toUpperCase()}${adj.slice(1)} ${subject}${tail ? `, ${tail}` : ''}`;
      answers = `{"nps": ${score}, "reason": ${JSON.stringify(comment)}}`;
    }
    const at = new Date(t).toISOString();
    yield `${o.workspaceId},${o.surveyId},1,${contact},${score},${comment ? csvText(comment) : ''},${csvText(answers)},${at},${at}\n`;
  }
}

/** Batches rows into ~1 MB strings: one write per row would make the generator the bottleneck. */
function* batched(rows: Generator<string>) {
  let buf = '';
  for (const row of rows) {
    buf += row;
    if (buf.length > 1 << 20) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

function request(port: number, path: string, cookie: string, method = 'GET', body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }>(
    (resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          headers: {
            cookie,
            ...(body
              ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
              : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: performance.now() - t0 }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

async function main() {
  const started = process.hrtime.bigint();
  const database = await benchDatabase();
  const { db, url } = database;
  const child = fork(path.join(__dirname, 'insights.server.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'production' },
  });
  const ask = (m: string) =>
    new Promise<{ rss: number }>((resolve) => {
      child.once('message', (x) => resolve(x as { rss: number }));
      child.send(m);
    });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as never));

    // The owner signs up through the app, as a person would; the session cookie is kept.
    const jar = new Map<string, string>();
    const keep = (headers: http.IncomingHttpHeaders) => {
      for (const c of [headers['set-cookie'] ?? []].flat()) {
        const [pair] = c.split(';');
        jar.set(pair!.split('=')[0]!, pair!);
      }
      return [...jar.values()].join('; ');
    };
    const setup = await request(port, '/setup', '');
    let cookie = keep(setup.headers);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(setup.body)![1]!;
    const form = new URLSearchParams({
      _csrf: csrf,
      workspaceName: 'Bench',
      senderName: 'Bench',
      postalAddress: '1 Bench St',
      name: 'Bench',
      email: 'bench@bench.test',
      password: 'correct horse battery',
    });
    const signedUp = await request(port, '/setup', cookie, 'POST', form.toString());
    if (signedUp.status !== 303) throw new Error(`setup refused: ${signedUp.status}`);
    cookie = keep(signedUp.headers);
    const workspaceId = (await db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
    const surveyId = (await db.one<{ id: string }>(
      `INSERT INTO surveys (workspace_id, title, template) VALUES (:workspaceId, 'How are we doing?', 'how-are-we-doing') RETURNING id`,
      { workspaceId },
    ))!.id;
    await db.query(
      `INSERT INTO survey_versions (survey_id, version, questions) VALUES (:surveyId, 1, :q) RETURNING version`,
      {
        surveyId,
        q: JSON.stringify(TEMPLATES[0]!.questions),
      },
    );
    // One contact in ten is an enterprise customer: the segment the filtered view is measured on.
    const contacts = (
      await db.query<{ id: string }>(
        `INSERT INTO contacts (workspace_id, email, name, tags, properties)
         SELECT :workspaceId, 'c' || i || '@bench.test', 'Contact ' || i,
           CASE WHEN i % 10 = 0 THEN ARRAY['enterprise'] ELSE ARRAY['smb'] END, jsonb_build_object('plan', CASE WHEN i % 10 = 0 THEN 'enterprise' ELSE 'pro' END)
         FROM generate_series(1, :n) i RETURNING id`,
        { workspaceId, n: CONTACTS },
      )
    ).map((c) => c.id);
    const segmentId = (await db.one<{ id: string }>(
      `INSERT INTO segments (workspace_id, name, filter) VALUES (:workspaceId, 'Enterprise', '{"tags": ["enterprise"]}') RETURNING id`,
      { workspaceId },
    ))!.id;

    // Load. As a superuser (the embedded server), COPY runs with triggers and foreign-key checks off and the
    // rollup is then built from the loaded rows in one pass by rapport_insights_recount (the same function
    // that repairs a version): several times faster on this machine. Otherwise the per-row triggers of other
    // modules are set aside and the insights trigger logs each loaded row, folded by the compaction below.
    const loadStart = process.hrtime.bigint();
    const client = new pg.Client({ connectionString: url });
    client.on('error', (err) => console.error('bench connection:', err.message));
    await client.connect();
    const bulk = await client.query(`SET session_replication_role = replica`).then(
      () => true,
      () => false,
    );
    if (!bulk) {
      await client.query('ALTER TABLE responses DISABLE TRIGGER responses_conversation');
      await client.query('ALTER TABLE responses DISABLE TRIGGER responses_band');
    }
    for (let from = 0; from < SIZE; from += CHUNK) {
      const t0 = process.hrtime.bigint();
      await pipeline(
        Readable.from(batched(answerRows({ workspaceId, surveyId, contacts, from, to: Math.min(SIZE, from + CHUNK) }))),
        client.query(
          copyFrom(
            `COPY responses (workspace_id, survey_id, survey_version, contact_id, score, comment, answers, submitted_at, completed_at) FROM STDIN WITH (FORMAT csv)`,
          ),
        ),
      );
      console.log(
        `loaded ${Math.min(SIZE, from + CHUNK).toLocaleString('en')} answers (${seconds(t0).toFixed(1)} s for this COPY)`,
      );
    }
    const copySeconds = seconds(loadStart);
    await client.query(
      `INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band)
       SELECT id, workspace_id, survey_id, submitted_at, CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive' ELSE 'detractor' END
       FROM responses`,
    );
    if (bulk) {
      await client.query(`SET session_replication_role = origin`);
      await client.query(`SELECT rapport_insights_recount($1, 1)`, [surveyId]);
    } else {
      await client.query('ALTER TABLE responses ENABLE TRIGGER responses_conversation');
      await client.query('ALTER TABLE responses ENABLE TRIGGER responses_band');
    }
    const folded = await compactRollups(db);
    await client.query('VACUUM ANALYZE responses');
    await client.query('VACUUM ANALYZE conversations');
    await client.query('VACUUM ANALYZE insight_rollups');
    // As autovacuum would within a minute of 100,000 new contacts: without statistics a segment's size is
    // guessed at one contact, and its views planned for that.
    await client.query('ANALYZE contacts');
    const rollupRows = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM insight_rollups'))!.n);
    const loadSeconds = seconds(loadStart);
    console.log(
      `load: ${SIZE.toLocaleString('en')} answers in ${loadSeconds.toFixed(0)} s (COPY ${copySeconds.toFixed(0)} s, ${bulk ? 'rollup by one recount' : 'rollup by the trigger and one fold'}); ${folded} pending rows folded into ${rollupRows} rollup rows`,
    );

    // Invitations to answer: the POSTs under dashboard load.
    const sealer = createSealer('bench-secret-key-that-is-long-enough-00000');
    const waveId = (await db.one<{ id: string }>(
      `INSERT INTO waves (workspace_id, survey_id, survey_version, kind) VALUES (:workspaceId, :surveyId, 1, 'manual') RETURNING id`,
      { workspaceId, surveyId },
    ))!.id;
    const tokens = contacts.slice(0, 2000).map(() => newToken());
    await db.query(
      `INSERT INTO deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed, status, sent_at)
       SELECT :workspaceId, :waveId, (x->>'c')::uuid, decode(x->>'h', 'hex'), x->>'s', 'sent', now()
       FROM jsonb_array_elements(:rows::jsonb) x RETURNING id`,
      {
        workspaceId,
        waveId,
        rows: JSON.stringify(
          tokens.map((tk, i) => ({ c: contacts[i], h: hashToken(tk).toString('hex'), s: sealer.seal(tk) })),
        ),
      },
    );

    // 1. The dashboard page through HTTP.
    const dashboardPath = `/surveys/${surveyId}`;
    for (let i = 0; i < 5; i++) {
      const r = await request(port, dashboardPath, cookie);
      if (r.status !== 200) throw new Error(`dashboard answered ${r.status}: ${r.body.slice(0, 300)}`);
    }
    const page = await request(port, dashboardPath, cookie);
    const shown = /data-testid="responses">(\d+)</.exec(page.body)?.[1];
    if (Number(shown) !== SIZE) throw new Error(`the dashboard counts ${shown} responses, not ${SIZE}`);
    const dash: number[] = [];
    for (let i = 0; i < REQUESTS; i++) dash.push((await request(port, dashboardPath, cookie)).ms);
    // Each phase says its figures as it ends: a later phase that fails does not lose them.
    console.log(`dashboard p50 ${quantile(dash, 0.5)} ms, p95 ${quantile(dash, 0.95)} ms`);

    // 2. The same numbers by a raw scan of responses: totals per score (and comments), the day counts the grain
    //    is chosen from, the weekly trend of the last year, and the last 30 days against the 30 before.
    const raw = async () => {
      const t0 = process.hrtime.bigint();
      await db.query(
        `SELECT score, count(*), count(*) FILTER (WHERE btrim(coalesce(answers->>'reason', '')) <> '') AS commented
         FROM responses WHERE survey_id = :surveyId GROUP BY score`,
        { surveyId },
      );
      await db.query(
        `SELECT (submitted_at AT TIME ZONE 'UTC')::date AS day, count(*) FROM responses
         WHERE survey_id = :surveyId AND submitted_at >= now() - interval '3 years' GROUP BY 1`,
        { surveyId },
      );
      await db.query(
        `SELECT date_trunc('week', submitted_at AT TIME ZONE 'UTC') AS week, score, count(*) FROM responses
         WHERE survey_id = :surveyId AND submitted_at >= now() - interval '52 weeks' GROUP BY 1, 2`,
        { surveyId },
      );
      await db.query(
        `SELECT submitted_at >= now() - interval '30 days' AS current, score, count(*) FROM responses
         WHERE survey_id = :surveyId AND submitted_at >= now() - interval '60 days' GROUP BY 1, 2`,
        { surveyId },
      );
      return seconds(t0) * 1000;
    };
    await raw();
    const rawMs: number[] = [];
    for (let i = 0; i < 3; i++) rawMs.push(await raw());

    // 3. Filtered by a segment (raw rows of those people's answers).
    const segPath = `${dashboardPath}?segment=${segmentId}`;
    const seg: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await request(port, segPath, cookie);
      if (r.status !== 200) throw new Error(`segment view answered ${r.status}`);
      if (i >= 2) seg.push(r.ms);
    }
    console.log(`segment view p50 ${quantile(seg, 0.5)} ms, p95 ${quantile(seg, 0.95)} ms`);

    // 4. The respondent's POST, alone and while four clients load dashboards without pause.
    let n = 0;
    const nextPost = () => {
      const i = n++;
      return { path: `/r/${tokens[i % tokens.length]}`, body: `nps=${i % 11}&reason=bench+${i}` };
    };
    const POST_RATE = Number(process.env.BENCH_POST_RATE ?? 40);
    const POST_SECONDS = Number(process.env.BENCH_POST_SECONDS ?? 10);
    await pacedPosts(port, POST_RATE, 2, 8, nextPost);
    const alone = await pacedPosts(port, POST_RATE, POST_SECONDS, 8, nextPost);
    let loading = true;
    let dashboardsUnderLoad = 0;
    const loaders = Array.from({ length: 4 }, async () => {
      while (loading) {
        await request(port, dashboardPath, cookie);
        dashboardsUnderLoad++;
      }
    });
    const loaded = await pacedPosts(port, POST_RATE, POST_SECONDS, 8, nextPost);
    loading = false;
    await Promise.all(loaders);
    console.log(
      `POST p99 ${alone.p99} ms alone, ${loaded.p99} ms under dashboard load (${dashboardsUnderLoad} dashboards)`,
    );

    // 5. The CSV export of every row, against COPY of the same rows straight from PostgreSQL.
    const copyBaseline = async () => {
      const t0 = process.hrtime.bigint();
      let rows = 0;
      const stream = client.query(
        copyTo(
          `COPY (SELECT * FROM responses WHERE survey_id = '${surveyId}' ORDER BY submitted_at, id) TO STDOUT WITH (FORMAT csv)`,
        ),
      );
      for await (const chunk of stream as AsyncIterable<Buffer>) for (const b of chunk) if (b === 10) rows++;
      return { rows, seconds: seconds(t0) };
    };
    const copy1 = await copyBaseline();
    const rssBefore = (await ask('reset')).rss;
    const exportResult = await new Promise<{ rows: number; seconds: number; ttfbMs: number; bytes: number }>(
      (resolve, reject) => {
        const t0 = process.hrtime.bigint();
        let ttfbMs = 0;
        const req = http.get(
          { host: '127.0.0.1', port, path: `/surveys/${surveyId}/export.csv`, headers: { cookie } },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
            let rows = 0;
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              if (!ttfbMs) ttfbMs = seconds(t0) * 1000;
              bytes += chunk.length;
              for (const b of chunk) if (b === 10) rows++;
            });
            res.on('end', () => resolve({ rows: rows - 1, seconds: seconds(t0), ttfbMs, bytes }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
      },
    );
    const rssPeak = (await ask('peak')).rss;
    const copy2 = await copyBaseline();
    const copyBest = copy1.seconds < copy2.seconds ? copy1 : copy2;
    // The POSTs above added their own answers to the SIZE loaded.
    if (exportResult.rows < SIZE) throw new Error(`the export wrote ${exportResult.rows} rows, fewer than ${SIZE}`);
    await client.end();

    const mb = (x: number) => Math.round(x / 2 ** 20);
    const dashP95 = quantile(dash, 0.95);
    const dashP50 = quantile(dash, 0.5);
    const rawP50 = quantile(rawMs, 0.5);
    const exportRps = Math.round(exportResult.rows / exportResult.seconds);
    const copyRps = Math.round(copyBest.rows / copyBest.seconds);
    const result = {
      bench: 'insights',
      size: SIZE,
      contacts: CONTACTS,
      loadSeconds: Math.round(loadSeconds),
      rollupRows,
      dashboard: { p50Ms: dashP50, p95Ms: dashP95, requests: REQUESTS },
      rawScan: { p50Ms: rawP50, speedup: Math.round((rawP50 / dashP50) * 10) / 10 },
      segmentView: { p50Ms: quantile(seg, 0.5), p95Ms: quantile(seg, 0.95), requests: seg.length },
      post: {
        rate: POST_RATE,
        aloneP99Ms: alone.p99,
        underDashboardLoadP99Ms: loaded.p99,
        ratio: Math.round((loaded.p99 / Math.max(1, alone.p99)) * 100) / 100,
        dashboardsServedMeanwhile: dashboardsUnderLoad,
        failures: alone.errors + alone.failed + loaded.errors + loaded.failed,
        loaderLateP99Ms: Math.max(alone.loaderLateMs, loaded.loaderLateMs),
      },
      csvExport: {
        rows: exportResult.rows,
        mb: mb(exportResult.bytes),
        seconds: Math.round(exportResult.seconds * 10) / 10,
        rowsPerSecond: exportRps,
        copyRowsPerSecond: copyRps,
        ratioToCopy: Math.round((exportRps / copyRps) * 100) / 100,
        timeToFirstByteMs: Math.round(exportResult.ttfbMs),
        peakRssGrowthMb: mb(rssPeak - rssBefore),
      },
      goals: {
        dashboardP95AtMostMs: 100,
        rawSpeedupAtLeast: 20,
        segmentP95AtMostMs: 1000,
        postLoadedRatioAtMost: 2,
        exportRatioAtLeast: 0.5,
        exportRssGrowthAtMostMb: 100,
      },
      met: {} as Record<string, boolean>,
      totalSeconds: Math.round(seconds(started)),
    };
    result.met = {
      dashboard: dashP95 <= 100,
      rawSpeedup: result.rawScan.speedup >= 20,
      segment: result.segmentView.p95Ms <= 1000,
      post: result.post.ratio <= 2 && result.post.failures === 0,
      exportSpeed: result.csvExport.ratioToCopy >= 0.5,
      exportMemory: result.csvExport.peakRssGrowthMb <= 100,
    };
    console.log(
      `dashboard p50 ${dashP50} ms, p95 ${dashP95} ms (goal ≤ 100); raw scan ${rawP50} ms (${result.rawScan.speedup}×, goal ≥ 20×)`,
    );
    console.log(`segment view p50 ${result.segmentView.p50Ms} ms, p95 ${result.segmentView.p95Ms} ms (goal ≤ 1000)`);
    console.log(
      `POST p99 ${alone.p99} ms alone, ${loaded.p99} ms under dashboard load (${result.post.ratio}×, goal ≤ 2×; ${dashboardsUnderLoad} dashboards meanwhile)`,
    );
    console.log(
      `CSV export ${exportRps} rows/s vs COPY ${copyRps} rows/s (${result.csvExport.ratioToCopy}, goal ≥ 0.5), first byte ${result.csvExport.timeToFirstByteMs} ms, peak RSS +${result.csvExport.peakRssGrowthMb} MB`,
    );
    console.log(JSON.stringify(result));
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    if (process.env.BENCH_KEEP && process.env.DATABASE_URL) {
      console.error(`kept the bench database: ${url}`);
      await database.db.close();
    } else await database.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
