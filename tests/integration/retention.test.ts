import { createDb, type Db } from '../../src/platform/db';
import { retentionSweeper } from '../../src/modules/retention';
import type { Question } from '../../src/modules/surveys';
import { inviteTeammate } from '../helpers/team';
import { createSurvey, createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

/**
 * Retention: the Settings form (off by default, refused values explained), and the sweep run by two
 * "instances" at once in small batches — every answer past the policy anonymised (or deleted) exactly once,
 * the team's replies and notes about it gone, newer answers and other workspaces untouched, and the insights
 * rollup equal to a recount of the raw rows after each step.
 */
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let ws: string;
let other: string;
let instances: Db[];

const SCALES = new Set(['nps', 'csat', 'ces', 'rating']);

/** The cells one response counts for (the insights README's rule), written out again. */
function cellsOf(questions: Question[], score: number | null, answers: Record<string, unknown>): string[] {
  const out = ['#responses:'];
  const primary = questions.find((q) => SCALES.has(q.type));
  for (const q of questions) {
    const a = q.id === primary?.id ? score : answers[q.id];
    if (a === null || a === undefined) continue;
    if (typeof a === 'number') out.push(`${q.id}:`, ...(SCALES.has(q.type) ? [`${q.id}:${a}`] : []));
    else if (typeof a === 'string' && a.trim()) out.push(`${q.id}:`);
  }
  return out;
}

async function expectRollupExact() {
  const versions = await t.db.query<{ survey_id: string; version: number; questions: Question[] }>(
    `SELECT survey_id, version, questions FROM survey_versions`,
  );
  const questionsOf = new Map(versions.map((v) => [`${v.survey_id}|${v.version}`, v.questions]));
  const raw = await t.db.query<{
    survey_id: string;
    survey_version: number;
    day: string;
    score: number | null;
    answers: Record<string, unknown>;
  }>(
    `SELECT survey_id, survey_version, to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, score, answers FROM responses`,
  );
  const recount = new Map<string, number>();
  for (const r of raw)
    for (const c of cellsOf(questionsOf.get(`${r.survey_id}|${r.survey_version}`)!, r.score, r.answers)) {
      const key = `${r.survey_id}|${r.survey_version}|${r.day}|${c}`;
      recount.set(key, (recount.get(key) ?? 0) + 1);
    }
  const stored = await t.db.query<{ key: string; n: number }>(
    `SELECT survey_id || '|' || survey_version || '|' || to_char(day, 'YYYY-MM-DD') || '|' || question_id || ':' || value AS key, sum(n) AS n
     FROM (SELECT survey_id, survey_version, day, question_id, value, n FROM insight_rollups
           UNION ALL SELECT survey_id, survey_version, day, question_id, value, n FROM insight_rollup_unfolded) x
     GROUP BY 1 HAVING sum(n) <> 0`,
  );
  expect(new Map(stored.map((s) => [s.key, Number(s.n)]))).toEqual(recount);
}

/** A year and a half of answers, one every ~11 days, each with a comment; a reply and a note on every third. */
async function answersFor(workspaceId: string, surveyId: string, tag: string) {
  const { db } = t;
  const contact = (await db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, name) VALUES (:workspaceId, :email, 'Ada') RETURNING id`,
    { workspaceId, email: `${tag}@example.com` },
  ))!.id;
  const author = await db.one<{ id: string }>(`SELECT id FROM users WHERE workspace_id = :workspaceId LIMIT 1`, {
    workspaceId,
  });
  const rows = await db.query<{ id: string; n: number }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, contact_id, score, comment, answers, submitted_at, completed_at)
     SELECT :workspaceId, :surveyId, 1, :contact, n % 11, 'comment ' || n, jsonb_build_object('nps', n % 11, 'reason', 'comment ' || n),
       now() - n * interval '11 days', now() - n * interval '11 days'
     FROM generate_series(0, 49) n RETURNING id, (extract(epoch FROM now() - submitted_at) / 86400 / 11)::int AS n`,
    { workspaceId, surveyId, contact },
  );
  for (const r of rows.filter((x) => x.n % 3 === 0)) {
    await db.execute(
      `INSERT INTO replies (workspace_id, response_id, contact_id, author_user_id, author_name, author_email, body, status)
       VALUES (:workspaceId, :id, :contact, :author, 'Sam', 'sam@example.com', 'Sorry about that, Ada', 'sent')`,
      { workspaceId, id: r.id, contact, author: author?.id ?? null },
    );
    await db.execute(
      `INSERT INTO followup_notes (workspace_id, response_id, author_name, body) VALUES (:workspaceId, :id, 'Sam', 'Called Ada')`,
      { workspaceId, id: r.id },
    );
  }
}

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  const surveyId = await createSurvey(agent);
  ws = (await t.db.one<{ id: string }>(`SELECT workspace_id AS id FROM surveys WHERE id = :surveyId`, { surveyId }))!
    .id;
  await answersFor(ws, surveyId, 'ada');
  // Another workspace with old answers and no policy: nothing of it may change.
  other = (await t.db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Other', 'Other', 'x') RETURNING id`,
  ))!.id;
  const otherSurvey = (await t.db.one<{ id: string }>(
    `INSERT INTO surveys (workspace_id, title, template) SELECT :other, title, template FROM surveys WHERE id = :surveyId RETURNING id`,
    { other, surveyId },
  ))!.id;
  await t.db.execute(
    `INSERT INTO survey_versions (survey_id, version, questions) SELECT :otherSurvey, 1, questions FROM survey_versions WHERE survey_id = :surveyId`,
    { otherSurvey, surveyId },
  );
  await answersFor(other, otherSurvey, 'bob');
  instances = [createDb(t.databaseUrl, { poolMax: 3 }), createDb(t.databaseUrl, { poolMax: 3 })];
});
afterAll(async () => {
  for (const db of instances) await db.close();
  await t.close();
});

/** Both instances tick at once, in batches of 7, until neither finds anything: what each changed, summed. */
async function sweepWithTwoInstances() {
  const sweepers = instances.map((db) => retentionSweeper(db, { batchSize: 7, maxBatches: 2 }));
  let total = 0;
  for (;;) {
    const changed = await Promise.all(sweepers.map((s) => s.tick()));
    total += changed[0]! + changed[1]!;
    if (changed.every((n) => n === 0)) return total;
  }
}

const snapshot = (workspaceId: string) =>
  t.db.query(
    `SELECT r.id, r.contact_id, r.comment, r.answers, r.anonymised_at,
       (SELECT count(*) FROM replies p WHERE p.response_id = r.id) AS replies,
       (SELECT count(*) FROM followup_notes n WHERE n.response_id = r.id) AS notes
     FROM responses r WHERE r.workspace_id = :workspaceId ORDER BY r.id`,
    { workspaceId },
  );

it('is off by default, and the Settings form explains what it refuses', async () => {
  const settings = await agent.get('/settings').expect(200);
  expect(settings.text).toContain('href="/settings/retention"');
  const page = await agent.get('/settings/retention').expect(200);
  expect(page.text).toMatch(/name="months" type="number" value=""/);
  expect(await t.db.query(`SELECT 1 FROM retention_policies`)).toEqual([]);

  for (const [months, message] of [
    ['0', 'Keep answers at least 1 month'],
    ['1.5', 'Enter a whole number of months.'],
    ['abc', 'Enter a number of months'],
    ['999', 'Use at most 240 months'],
  ]) {
    const refused = await submitForm(
      agent,
      '/settings/retention',
      '/settings/retention',
      { months, action: 'anonymise' },
      422,
    );
    expect(refused.text).toContain(message);
    expect(refused.text).toContain(`value="${months}"`);
  }
  const noAction = await submitForm(
    agent,
    '/settings/retention',
    '/settings/retention',
    { months: '6', action: 'shred' },
    422,
  );
  expect(noAction.text).toContain('Choose whether old answers are anonymised or deleted.');
  expect(await t.db.query(`SELECT 1 FROM retention_policies`)).toEqual([]);
  // Nothing is swept without a policy.
  expect(await sweepWithTwoInstances()).toBe(0);
});

it('anonymises every answer older than the policy exactly once, with two instances sweeping at once', async () => {
  const otherBefore = await snapshot(other);
  await submitForm(agent, '/settings/retention', '/settings/retention', { months: '6', action: 'anonymise' });
  const page = await agent.get('/settings/retention?saved=1').expect(200);
  expect(page.text).toMatch(/name="months" type="number" value="6"/);

  const old = await t.db.query<{ id: string }>(
    `SELECT id FROM responses WHERE workspace_id = :ws AND submitted_at < now() - interval '6 months'`,
    { ws },
  );
  expect(old.length).toBeGreaterThan(20);
  const recentBefore = await t.db.query(
    `SELECT * FROM responses WHERE workspace_id = :ws AND submitted_at >= now() - interval '6 months' ORDER BY id`,
    { ws },
  );

  expect(await sweepWithTwoInstances()).toBe(old.length);

  const rows = await snapshot(ws);
  const oldIds = new Set(old.map((o) => o.id));
  for (const r of rows as Record<string, unknown>[]) {
    if (oldIds.has(r.id as string)) {
      expect(r).toMatchObject({ contact_id: null, comment: null, replies: 0, notes: 0 });
      expect(r.anonymised_at).not.toBeNull();
      expect(Object.keys(r.answers as object)).toEqual(['nps']);
    } else expect(r.anonymised_at).toBeNull();
  }
  // Newer answers, their replies and notes, and the other workspace are as they were.
  expect(
    await t.db.query(
      `SELECT * FROM responses WHERE workspace_id = :ws AND submitted_at >= now() - interval '6 months' ORDER BY id`,
      { ws },
    ),
  ).toEqual(recentBefore);
  expect((rows as { replies: number }[]).filter((r) => r.replies > 0).length).toBeGreaterThan(3);
  expect(await snapshot(other)).toEqual(otherBefore);
  await expectRollupExact();
  // The conversations stay (the loop's history), without anyone's words.
  expect(await t.db.one(`SELECT count(*) AS n FROM conversations WHERE workspace_id = :ws`, { ws })).toEqual({ n: 50 });
});

it('deletes, when told to, every answer past the policy, anonymised ones included, with its conversation', async () => {
  const otherBefore = await snapshot(other);
  await submitForm(agent, '/settings/retention', '/settings/retention', { months: '12', action: 'delete' });
  const past = await t.db.one<{ n: number }>(
    `SELECT count(*) AS n FROM responses WHERE workspace_id = :ws AND submitted_at < now() - interval '12 months'`,
    { ws },
  );
  const kept = await t.db.one<{ n: number }>(
    `SELECT count(*) AS n FROM responses WHERE workspace_id = :ws AND submitted_at >= now() - interval '12 months'`,
    { ws },
  );
  expect(past!.n).toBeGreaterThan(10);

  expect(await sweepWithTwoInstances()).toBe(past!.n);

  expect(await t.db.one(`SELECT count(*) AS n FROM responses WHERE workspace_id = :ws`, { ws })).toEqual(kept);
  expect(await t.db.one(`SELECT count(*) AS n FROM conversations WHERE workspace_id = :ws`, { ws })).toEqual(kept);
  expect(await snapshot(other)).toEqual(otherBefore);
  await expectRollupExact();

  // Turned off (months left empty), nothing more goes.
  await submitForm(agent, '/settings/retention', '/settings/retention', { months: '', action: 'delete' });
  expect(await t.db.query(`SELECT 1 FROM retention_policies`)).toEqual([]);
  await t.db.execute(`UPDATE responses SET submitted_at = submitted_at - interval '5 years' WHERE workspace_id = :ws`, {
    ws,
  });
  expect(await sweepWithTwoInstances()).toBe(0);
  await expectRollupExact();
});

it('lets only an owner or admin change it', async () => {
  // A member joins as people do: invited, the link in the email followed.
  const member = await inviteTeammate(t, agent, {
    name: 'Mo Member',
    email: 'mo@acme.test',
    role: 'member',
    password: 'member password 1',
  });
  const page = await member.get('/settings/retention').expect(200);
  expect(page.text).toContain('Only an owner or admin can change how long answers are kept.');
  await member
    .post('/settings/retention')
    .type('form')
    .send({ months: '1', action: 'delete', _csrf: csrfFrom(page.text) })
    .expect(403);
  expect(await t.db.query(`SELECT 1 FROM retention_policies`)).toEqual([]);
});

it('deletes settled webhook messages older than WEBHOOK_RETENTION_DAYS with their attempt log, each exactly once, with two instances at once', async () => {
  const endpoint = (await t.db.one<{ id: string }>(
    `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed) VALUES (:ws, 'https://hooks.example.com/r', '{response.created}', 'x') RETURNING id`,
    { ws },
  ))!.id;
  /** `n` events `daysAgo` old, each with one delivery in `status` and two attempts logged. */
  const seed = (n: number, daysAgo: number, status: string) =>
    t.db.execute(
      `WITH e AS (
         INSERT INTO webhook_events (workspace_id, type, payload, created_at)
         SELECT :ws, 'response.created', jsonb_build_object('kind', :status, 'i', i), now() - make_interval(days => :daysAgo)
         FROM generate_series(1, :n) i RETURNING id, created_at),
       d AS (
         INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id, status, attempts)
         SELECT :ws, :endpoint, e.id, :status, 2 FROM e RETURNING id)
       INSERT INTO webhook_attempts (workspace_id, delivery_id, status_code, latency_ms)
       SELECT :ws, d.id, 200, 5 FROM d, generate_series(1, 2)`,
      { ws, endpoint, n, daysAgo, status },
    );
  await seed(20, 40, 'sent');
  await seed(3, 40, 'failed'); // dead after its retries: shown for as long, then gone too
  await seed(2, 40, 'queued'); // a retry still due: kept whatever its age
  await seed(5, 10, 'sent'); // within the 30 days
  const sweepers = instances.map((db) => retentionSweeper(db, { batchSize: 7, maxBatches: 2, webhookDays: 30 }));
  let removed = 0;
  for (;;) {
    const n = await Promise.all(sweepers.map((s) => s.webhooks()));
    removed += n[0]! + n[1]!;
    if (n.every((x) => x === 0)) break;
  }
  expect(removed).toBe(23);
  const left = await t.db.query<{ kind: string; days: number; n: number }>(
    `SELECT e.payload->>'kind' AS kind, round(extract(epoch FROM now() - e.created_at) / 86400)::int AS days, count(*)::int AS n
     FROM webhook_events e GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  expect(left).toEqual([
    { kind: 'queued', days: 40, n: 2 },
    { kind: 'sent', days: 10, n: 5 },
  ]);
  // Their deliveries and attempt log went with them; the kept ones' are whole.
  expect(await t.db.one(`SELECT count(*)::int AS n FROM webhook_deliveries`)).toEqual({ n: 7 });
  expect(await t.db.one(`SELECT count(*)::int AS n FROM webhook_attempts`)).toEqual({ n: 14 });
});
