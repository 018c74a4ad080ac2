/**
 * npm run bench:retention — answers' retention as Rapport runs it (the minute job's real code, retentionSweeper),
 * at BENCH_SIZE answers (default 1,200,000) over the last twelve months in BENCH_WORKSPACES workspaces (default 20)
 * with a mix of per-workspace policies, against what monthly partitions of `responses` would give the same data:
 *
 * 1. One month of answers removed both ways on identical copies of the table: batched DELETEs of 500 (what
 *    retention does) against DETACH PARTITION + DROP of a monthly-partitioned copy.
 * 2. How much of the table monthly partitions could drop whole: a month goes only once every answer in it is past
 *    its own workspace's policy, so one workspace that keeps its answers (no policy: the default) keeps every month.
 * 3. The sweep: answers changed per second, a tick of one batch (how long a transaction holds its rows), and the
 *    latency of a respondent's answer (an INSERT into `responses`, its triggers included) while it runs, against
 *    the same without it.
 * 4. The webhook log's sweep (install-wide, WEBHOOK_RETENTION_DAYS = 30): BENCH_WEBHOOK_EVENTS events (default
 *    400,000) over 60 days, each with a settled delivery and an attempt (1.2M rows), rows removed per second.
 *
 * A fresh database on DATABASE_URL's server (dropped afterwards), else an embedded PostgreSQL. Last line: JSON.
 */
import { Client } from 'pg';
import { retentionSweeper } from '../src/modules/retention/sweeper';
import { TEMPLATES } from '../src/modules/surveys/templates';
import { benchDatabase, ms, now } from './support';

const SIZE = Number(process.env.BENCH_SIZE ?? 1_200_000);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 20);
const PROBE_SECONDS = Number(process.env.BENCH_PROBE_SECONDS ?? 10);
// Webhook events, each with one delivery and one attempt logged: three rows an event.
const WEBHOOK_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 400_000);

// Policies by workspace index: most workspaces keep everything (the default), the rest are spread over the
// choices teams make. Cycled over the workspaces.
const POLICIES: ({ months: number; action: 'anonymise' | 'delete' } | null)[] = [
  null,
  { months: 3, action: 'delete' },
  null,
  { months: 6, action: 'anonymise' },
  null,
  { months: 12, action: 'delete' },
  null,
  { months: 9, action: 'anonymise' },
  null,
  { months: 6, action: 'delete' },
];

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! * 10) / 10;
};

async function main() {
  const { url, db, stop } = await benchDatabase();
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    // ---- Seed: workspaces, one NPS survey each, answers spread evenly over the last 365 days, each with its
    // conversation (what a deleted answer takes with it by cascade). Loaded as a restore would (triggers off, one
    // statement a month's worth): row by row through the triggers, 1.2M answers took longer than this machine's
    // share allows. The sweep below runs with every trigger on, as in production.
    let t = now();
    await admin.query(
      `INSERT INTO workspaces (name, sender_name, postal_address)
       SELECT 'Bench ' || i, 'Bench', 'Street' FROM generate_series(1, $1) i`,
      [WORKSPACES],
    );
    await admin.query(
      `INSERT INTO surveys (workspace_id, title, template) SELECT id, 'Bench', 'how-are-we-doing' FROM workspaces`,
    );
    await admin.query(`INSERT INTO survey_versions (survey_id, version, questions) SELECT id, 1, $1 FROM surveys`, [
      JSON.stringify(TEMPLATES[0]!.questions),
    ]);
    const chunk = 100_000;
    await admin.query(`SET session_replication_role = replica`);
    for (let done = 0; done < SIZE; done += chunk) {
      await admin.query(
        `WITH s AS (SELECT id, workspace_id, row_number() OVER (ORDER BY id) - 1 AS k FROM surveys)
         INSERT INTO responses (workspace_id, survey_id, survey_version, score, comment, answers, submitted_at, created_at)
         SELECT s.workspace_id, s.id, 1, g % 11, CASE WHEN g % 3 = 0 THEN 'comment ' || g END,
                jsonb_build_object('nps', g % 11, 'reason', CASE WHEN g % 3 = 0 THEN 'comment ' || g END),
                now() - make_interval(secs => (g::float8 / $2) * 365 * 86400),
                now() - make_interval(secs => (g::float8 / $2) * 365 * 86400)
         FROM generate_series($1::bigint, $1::bigint + $3 - 1) g JOIN s ON s.k = g % $4`,
        [done, SIZE, Math.min(chunk, SIZE - done), WORKSPACES],
      );
      process.stdout.write(`\rseeded ${Math.min(done + chunk, SIZE)} answers`);
    }
    await admin.query(
      `INSERT INTO conversations (response_id, workspace_id, survey_id, submitted_at, band)
       SELECT id, workspace_id, survey_id, submitted_at,
              CASE WHEN score <= 6 THEN 'detractor' WHEN score <= 8 THEN 'passive' ELSE 'promoter' END
       FROM responses`,
    );
    await admin.query(`SET session_replication_role = DEFAULT`);
    await admin.query('VACUUM ANALYZE responses');
    await admin.query('VACUUM ANALYZE conversations');
    const seedSeconds = Math.round(ms(t) / 100) / 10;
    console.log(` in ${seedSeconds} s`);
    const ws = (await admin.query<{ id: string }>(`SELECT id FROM workspaces ORDER BY name`)).rows.map((r) => r.id);
    for (const [i, id] of ws.entries()) {
      const p = POLICIES[i % POLICIES.length];
      if (p)
        await admin.query(`INSERT INTO retention_policies (workspace_id, months, action) VALUES ($1, $2, $3)`, [
          id,
          p.months,
          p.action,
        ]);
    }

    // ---- 1. One month removed both ways, on copies shaped like `responses` (its columns, its retention index).
    // The plain copy loses the month in the sweep's batches (500 oldest, locked SKIP LOCKED, deleted by id); the
    // partitioned one detaches and drops the month's partition.
    await admin.query(`
      CREATE TABLE plain_copy (LIKE responses INCLUDING DEFAULTS);
      INSERT INTO plain_copy SELECT * FROM responses;
      ALTER TABLE plain_copy ADD PRIMARY KEY (id);
      CREATE INDEX ON plain_copy (workspace_id, submitted_at) WHERE anonymised_at IS NULL;
      CREATE INDEX ON plain_copy (survey_id, submitted_at DESC);
      CREATE TABLE part_copy (LIKE responses INCLUDING DEFAULTS) PARTITION BY RANGE (submitted_at);
    `);
    const bounds = (
      await admin.query<{ from: Date; to: Date }>(
        `SELECT m AS from, m + interval '1 month' AS to
         FROM generate_series(date_trunc('month', (SELECT min(submitted_at) FROM plain_copy)),
                              date_trunc('month', now()), interval '1 month') m`,
      )
    ).rows;
    for (const [i, b] of bounds.entries())
      await admin.query(
        `CREATE TABLE part_copy_${i} PARTITION OF part_copy FOR VALUES FROM ('${b.from.toISOString()}') TO ('${b.to.toISOString()}')`,
      );
    await admin.query(`
      INSERT INTO part_copy SELECT * FROM plain_copy;
      ALTER TABLE part_copy ADD PRIMARY KEY (id, submitted_at);
      CREATE INDEX ON part_copy (workspace_id, submitted_at) WHERE anonymised_at IS NULL;
      CREATE INDEX ON part_copy (survey_id, submitted_at DESC);
    `);
    await admin.query('VACUUM ANALYZE plain_copy');
    await admin.query('VACUUM ANALYZE part_copy');
    // The oldest whole month.
    const month = bounds[1]!;
    const monthAnswers = (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM plain_copy WHERE submitted_at >= $1 AND submitted_at < $2`,
        [month.from, month.to],
      )
    ).rows[0]!.n;
    t = now();
    for (;;) {
      await admin.query('BEGIN');
      const ids = (
        await admin.query<{ id: string }>(
          `SELECT id FROM plain_copy WHERE submitted_at >= $1 AND submitted_at < $2
           ORDER BY submitted_at LIMIT 500 FOR UPDATE SKIP LOCKED`,
          [month.from, month.to],
        )
      ).rows.map((r) => r.id);
      if (ids.length) await admin.query(`DELETE FROM plain_copy WHERE id = ANY($1::uuid[])`, [ids]);
      await admin.query('COMMIT');
      if (ids.length < 500) break;
    }
    const batchedSeconds = ms(t) / 1000;
    t = now();
    await admin.query(`ALTER TABLE part_copy DETACH PARTITION part_copy_1`);
    await admin.query(`DROP TABLE part_copy_1`);
    const dropSeconds = ms(t) / 1000;
    console.log(
      `one month (${monthAnswers} answers): batched DELETE ${batchedSeconds.toFixed(2)} s, DETACH + DROP ${dropSeconds.toFixed(2)} s`,
    );
    await admin.query(`DROP TABLE plain_copy, part_copy`);

    // ---- 2. What monthly partitions could drop whole: months where every answer is past its workspace's policy.
    const months = (
      await admin.query<{ month: Date; answers: number; past: number }>(
        `SELECT date_trunc('month', r.submitted_at) AS month, count(*)::int AS answers,
                count(*) FILTER (WHERE p.months IS NOT NULL AND r.submitted_at < now() - make_interval(months => p.months))::int AS past
         FROM responses r LEFT JOIN retention_policies p ON p.workspace_id = r.workspace_id
         GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
    const pastPolicy = months.reduce((n, m) => n + m.past, 0);
    const droppable = months.filter((m) => m.past === m.answers).reduce((n, m) => n + m.answers, 0);
    console.log(
      `answers past their workspace's policy: ${pastPolicy}; in months a partition drop could remove whole: ${droppable}`,
    );

    // ---- 3. The sweep, with a respondent answering meanwhile (one INSERT at a time, triggers on).
    const [probeSurvey] = (
      await admin.query<{ id: string; workspace_id: string }>(
        `SELECT s.id, s.workspace_id FROM surveys s LEFT JOIN retention_policies p ON p.workspace_id = s.workspace_id
         WHERE p.workspace_id IS NULL LIMIT 1`,
      )
    ).rows;
    const probe = new Client({ connectionString: url });
    await probe.connect();
    const answerLatencies = async (until: () => boolean) => {
      const xs: number[] = [];
      while (!until()) {
        const s = now();
        await probe.query({
          name: 'answer',
          text: `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers) VALUES ($1, $2, 1, 9, '{"nps":9}')`,
          values: [probeSurvey!.workspace_id, probeSurvey!.id],
        });
        xs.push(ms(s));
        await new Promise((r) => setTimeout(r, 20));
      }
      return xs;
    };
    const idleEnd = Date.now() + PROBE_SECONDS * 1000;
    const idle = await answerLatencies(() => Date.now() > idleEnd);

    const sweeper = retentionSweeper(db);
    let sweeping = true;
    const during = answerLatencies(() => !sweeping);
    const ticks: number[] = [];
    let changed = 0;
    t = now();
    for (;;) {
      const s = now();
      const n = await sweeper.tick();
      ticks.push(ms(s));
      changed += n;
      if (n === 0) break;
    }
    const sweepSeconds = ms(t) / 1000;
    sweeping = false;
    const busy = await during;
    await probe.end();
    // One tick taking one batch (500 answers) per workspace due, on the swept table, after one workspace's policy
    // is shortened by a month: how long the sweep holds its rows at a time.
    const again = ws[1]!;
    await admin.query(`UPDATE retention_policies SET months = months - 1 WHERE workspace_id = $1`, [again]);
    const batchTimes: number[] = [];
    for (;;) {
      const s = now();
      const n = await retentionSweeper(db, { maxBatches: 1 }).tick();
      if (n === 0) break;
      batchTimes.push(ms(s));
    }
    console.log(
      `sweep: ${changed} answers in ${sweepSeconds.toFixed(1)} s (${Math.round(changed / sweepSeconds)}/s, ${ticks.length} ticks); ` +
        `a tick of one batch of 500 per workspace due: p50 ${pct(batchTimes, 0.5)} ms, max ${pct(batchTimes, 1)} ms; ` +
        `an answer alone p50 ${pct(idle, 0.5)} / p99 ${pct(idle, 0.99)} ms, during the sweep p50 ${pct(busy, 0.5)} / p99 ${pct(busy, 0.99)} ms`,
    );

    // ---- 4. The webhook log (the one retention that is install-wide): WEBHOOK_EVENTS events over the last 60 days,
    // each delivered once (settled) with its attempt logged; the real sweep removes those past 30 days.
    await admin.query(`SET session_replication_role = replica`);
    const endpoint = (
      await admin.query<{ id: string }>(
        `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed)
         VALUES ($1, 'https://hooks.example/x', '{response.confirmed}', 'sealed') RETURNING id`,
        [ws[0]],
      )
    ).rows[0]!.id;
    t = now();
    for (let done = 0; done < WEBHOOK_EVENTS; done += chunk) {
      const n = Math.min(chunk, WEBHOOK_EVENTS - done);
      await admin.query(
        `WITH e AS (
           INSERT INTO webhook_events (workspace_id, type, payload, created_at)
           SELECT $1, 'response.confirmed', jsonb_build_object('type', 'response.confirmed', 'data', jsonb_build_object('score', g % 11)),
                  now() - make_interval(secs => (g::float8 / $3) * 60 * 86400)
           FROM generate_series($2::bigint, $2::bigint + $4 - 1) g RETURNING id, workspace_id, created_at),
         d AS (
           INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id, status, attempts, sent_at, created_at)
           SELECT workspace_id, $5, id, 'sent', 1, created_at, created_at FROM e RETURNING id, workspace_id, created_at)
         INSERT INTO webhook_attempts (workspace_id, delivery_id, attempted_at, status_code, latency_ms)
         SELECT workspace_id, id, created_at, 200, 40 FROM d`,
        [ws[0], done, WEBHOOK_EVENTS, n, endpoint],
      );
    }
    await admin.query(`SET session_replication_role = DEFAULT`);
    for (const table of ['webhook_events', 'webhook_deliveries', 'webhook_attempts'])
      await admin.query(`VACUUM ANALYZE ${table}`);
    const webhookSeedSeconds = Math.round(ms(t) / 100) / 10;
    const rowsOf = async () =>
      (
        await admin.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM webhook_events) + (SELECT count(*) FROM webhook_deliveries)
                + (SELECT count(*) FROM webhook_attempts) AS n`,
        )
      ).rows[0]!.n;
    const webhookRowsBefore = Number(await rowsOf());
    t = now();
    const webhookSweeper = retentionSweeper(db, { webhookDays: 30 });
    let webhookTicks = 0;
    for (let before = webhookRowsBefore; ;) {
      await webhookSweeper.tick();
      webhookTicks++;
      const left = Number(await rowsOf());
      if (left === before) break;
      before = left;
    }
    const webhookSeconds = ms(t) / 1000;
    const webhookRemoved = webhookRowsBefore - Number(await rowsOf());
    console.log(
      `webhook log: ${webhookRowsBefore} rows (${WEBHOOK_EVENTS} events, seeded in ${webhookSeedSeconds} s); the sweep removed ` +
        `${webhookRemoved} in ${webhookSeconds.toFixed(1)} s (${Math.round(webhookRemoved / webhookSeconds)} rows/s, ${webhookTicks} ticks)`,
    );

    const result = {
      bench: 'retention',
      answers: SIZE,
      workspaces: WORKSPACES,
      workspacesWithPolicy: ws.filter((_w, i) => POLICIES[i % POLICIES.length]).length,
      seedSeconds,
      pastPolicy,
      droppableByPartition: droppable,
      sweep: {
        changed,
        seconds: Math.round(sweepSeconds * 10) / 10,
        perSecond: Math.round(changed / sweepSeconds),
        batchP50Ms: pct(batchTimes, 0.5),
        batchMaxMs: pct(batchTimes, 1),
      },
      answerMs: {
        idleP50: pct(idle, 0.5),
        idleP99: pct(idle, 0.99),
        sweepingP50: pct(busy, 0.5),
        sweepingP99: pct(busy, 0.99),
      },
      webhookLog: {
        rows: webhookRowsBefore,
        removed: webhookRemoved,
        seconds: Math.round(webhookSeconds * 10) / 10,
        rowsPerSecond: Math.round(webhookRemoved / webhookSeconds),
      },
      oneMonth: {
        answers: monthAnswers,
        batchedDeleteSeconds: Math.round(batchedSeconds * 100) / 100,
        detachDropSeconds: Math.round(dropSeconds * 100) / 100,
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    await admin.end();
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
