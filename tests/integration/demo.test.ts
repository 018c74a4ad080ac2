import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { freePort } from '../helpers/net';
import { createTestApp, csrfFrom, type TestApp } from '../helpers/testApp';
import type { Question } from '../../src/modules/surveys';

/**
 * `npm run demo`, run as an operator runs it (its own process), into a real database: what it made (every kind
 * of question and language, a year of answers with comments in four languages, waves, segments, tags, replies
 * from named teammates, closed conversations), that it emails nobody, that every number a dashboard shows
 * equals a recount of the raw answers done here, that the insights rollup equals that recount cell by cell,
 * and that a second run is refused with nothing changed. Then the same command on an embedded PostgreSQL.
 */
const ROOT = path.resolve(__dirname, '../..');

function demo(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/demo.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, output })),
  );
}

const credentials = (output: string) => ({
  email: /email:\s+(\S+)/.exec(output)?.[1] ?? '',
  password: /password:\s+(\S+)/.exec(output)?.[1] ?? '',
});

const SCALES = new Set(['nps', 'csat', 'ces', 'rating']);

/** The cells one response counts for on the dashboards (the rule of the insights README), written out again. */
function cellsOf(questions: Question[], score: number | null, answers: Record<string, unknown>): string[] {
  const out = ['#responses:'];
  const primary = questions.find((q) => SCALES.has(q.type));
  for (const q of questions) {
    const a = q.id === primary?.id ? score : answers[q.id];
    if (a === null || a === undefined) continue;
    if (typeof a === 'number') out.push(`${q.id}:`, ...(SCALES.has(q.type) ? [`${q.id}:${a}`] : []));
    else if (typeof a === 'string' && a.trim()) {
      out.push(`${q.id}:`);
      if (['yes_no', 'single_choice'].includes(q.type) || SCALES.has(q.type)) out.push(`${q.id}:${a}`);
    } else if (Array.isArray(a) && a.length) {
      out.push(`${q.id}:`);
      if (q.type === 'multiple_choice') out.push(...[...new Set(a as string[])].map((x) => `${q.id}:${x}`));
    }
  }
  return out;
}

describe('npm run demo into DATABASE_URL', () => {
  let t: TestApp;
  let first: { code: number | null; output: string };
  beforeAll(async () => {
    t = await createTestApp();
    first = await demo({ DATABASE_URL: t.databaseUrl });
    // A year of data on a machine other sessions keep busy: a safety net, not a speed claim.
  }, 600_000);
  afterAll(() => t.close());

  it('makes the workspace and prints how to sign in', async () => {
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('Sign in at');
    const { email, password } = credentials(first.output);
    expect(email).toBe('demo@rapport.localhost');
    expect(password.length).toBeGreaterThanOrEqual(10);
  });

  it('holds a year of every kind of survey, in four languages, with what a team does around them', async () => {
    const { db } = t;
    const [ws] = await db.query<{ id: string }>(
      `SELECT workspace_id AS id FROM users WHERE email = 'demo@rapport.localhost'`,
    );
    const scoped = { ws: ws!.id };
    const kinds = await db.query<{ type: string; language: string }>(
      `SELECT DISTINCT q->>'type' AS type, s.language FROM surveys s
       JOIN survey_versions v ON v.survey_id = s.id, jsonb_array_elements(v.questions) q WHERE s.workspace_id = :ws`,
      scoped,
    );
    expect(new Set(kinds.map((k) => k.type))).toEqual(
      new Set(['nps', 'csat', 'ces', 'rating', 'single_choice', 'multiple_choice', 'yes_no', 'long_text']),
    );
    const perLanguage = await db.query<{
      language: string;
      surveys: number;
      answers: number;
      comments: number;
      months: number;
    }>(
      `SELECT s.language, count(DISTINCT s.id) AS surveys, count(r.id) AS answers, count(r.comment) AS comments,
         count(DISTINCT date_trunc('month', r.submitted_at)) AS months
       FROM surveys s LEFT JOIN responses r ON r.survey_id = s.id WHERE s.workspace_id = :ws GROUP BY 1 ORDER BY 1`,
      scoped,
    );
    expect(perLanguage.map((l) => l.language)).toEqual(['de', 'en', 'es', 'fr']);
    for (const l of perLanguage) {
      expect(l.surveys).toBeGreaterThanOrEqual(2);
      expect(l.answers).toBeGreaterThan(150);
      expect(l.comments).toBeGreaterThan(50);
      expect(l.months).toBeGreaterThanOrEqual(12);
    }
    // Comments are written in their survey's language, not one text in four places.
    const samples = await db.query<{ language: string; comment: string }>(
      `SELECT DISTINCT ON (s.language) s.language, r.comment FROM responses r JOIN surveys s ON s.id = r.survey_id
       WHERE s.workspace_id = :ws AND r.comment LIKE '% %' ORDER BY s.language, r.submitted_at`,
      scoped,
    );
    const distinct = await db.one<{ n: number; all: number }>(
      `SELECT count(DISTINCT comment) AS n, count(comment) AS all FROM responses WHERE workspace_id = :ws`,
      scoped,
    );
    expect(samples).toHaveLength(4);
    expect(distinct!.n).toBeGreaterThan(distinct!.all / 4);

    const [counts] = await db.query<Record<string, number>>(
      `SELECT
         (SELECT count(*) FROM users WHERE workspace_id = :ws) AS users,
         (SELECT count(*) FROM contacts WHERE workspace_id = :ws) AS contacts,
         (SELECT count(*) FROM contacts WHERE workspace_id = :ws AND cardinality(tags) > 0) AS tagged,
         (SELECT count(*) FROM contacts WHERE workspace_id = :ws AND properties ? 'plan' AND locale IS NOT NULL AND owner_user_id IS NOT NULL) AS described,
         (SELECT count(*) FROM segments WHERE workspace_id = :ws) AS segments,
         (SELECT count(*) FROM schedules WHERE workspace_id = :ws AND status = 'paused') AS paused_schedules,
         (SELECT count(*) FROM waves WHERE workspace_id = :ws) AS waves,
         (SELECT count(*) FROM replies p JOIN users u ON u.id = p.author_user_id WHERE p.workspace_id = :ws AND p.status = 'sent') AS replies,
         (SELECT count(*) FROM followup_notes WHERE workspace_id = :ws) AS notes,
         (SELECT count(*) FROM conversations WHERE workspace_id = :ws AND status = 'closed') AS closed,
         (SELECT count(*) FROM conversations WHERE workspace_id = :ws AND status = 'open' AND band = 'detractor') AS open_unhappy,
         (SELECT count(*) FROM survey_versions v JOIN surveys s ON s.id = v.survey_id WHERE s.workspace_id = :ws AND v.version = 2) AS second_versions,
         (SELECT count(*) FROM responses WHERE workspace_id = :ws AND completed_at IS NULL) AS partial`,
      scoped,
    );
    expect(counts).toMatchObject({ users: 5, segments: 6, paused_schedules: 4, second_versions: 1 });
    expect(counts!.contacts).toBeGreaterThan(300);
    expect(counts!.described).toBe(counts!.contacts);
    expect(counts!.tagged).toBeGreaterThan(50);
    expect(counts!.waves).toBeGreaterThan(60);
    for (const k of ['replies', 'notes', 'closed', 'open_unhappy', 'partial']) expect(counts![k]).toBeGreaterThan(5);

    // Nobody is emailed about demo data, now or later: nothing is waiting in any outbox.
    const queued = await db.one<{ n: number }>(
      `SELECT (SELECT count(*) FROM deliveries WHERE status IN ('queued', 'sending'))
            + (SELECT count(*) FROM reminders) + (SELECT count(*) FROM replies WHERE status <> 'sent')
            + (SELECT count(*) FROM alerts) AS n`,
    );
    expect(queued!.n).toBe(0);
    // The team's alerts are on again once the history is written.
    expect(await db.query(`SELECT 1 FROM users WHERE workspace_id = :ws AND NOT alerts_enabled`, scoped)).toEqual([]);
  });

  it('keeps the insights rollup equal to a raw recount, cell by cell', async () => {
    const { db } = t;
    const versions = await db.query<{ survey_id: string; version: number; questions: Question[] }>(
      `SELECT survey_id, version, questions FROM survey_versions`,
    );
    const questionsOf = new Map(versions.map((v) => [`${v.survey_id}|${v.version}`, v.questions]));
    const raw = await db.query<{
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
    const stored = await db.query<{ key: string; n: number }>(
      `SELECT survey_id || '|' || survey_version || '|' || to_char(day, 'YYYY-MM-DD') || '|' || question_id || ':' || value AS key, sum(n) AS n
       FROM (SELECT survey_id, survey_version, day, question_id, value, n FROM insight_rollups
             UNION ALL SELECT survey_id, survey_version, day, question_id, value, n FROM insight_rollup_unfolded) x
       GROUP BY 1 HAVING sum(n) <> 0`,
    );
    expect(raw.length).toBeGreaterThan(1000);
    expect(new Map(stored.map((s) => [s.key, Number(s.n)]))).toEqual(recount);
  });

  it('shows on every dashboard the numbers a recount of the raw answers gives', async () => {
    const agent = request.agent(t.app);
    // The demo made the only workspace: this install's first visit is a sign-in, not setup.
    await agent.get('/setup').expect(303).expect('Location', '/login');
    const login = await agent.get('/login').expect(200);
    await agent
      .post('/login')
      .type('form')
      .send({ ...credentials(first.output), _csrf: csrfFrom(login.text) })
      .expect(303);
    const surveys = await t.db.query<{ id: string; title: string; type: string | null }>(
      `SELECT s.id, s.title, (SELECT q->>'type' FROM jsonb_array_elements(v.questions) q
                              WHERE q->>'type' IN ('nps', 'csat', 'ces', 'rating') LIMIT 1) AS type
       FROM surveys s JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.current_version`,
    );
    expect(surveys).toHaveLength(8);
    for (const s of surveys) {
      const page = await agent.get(`/surveys/${s.id}`).expect(200);
      const shown = (id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(page.text)?.[1]?.trim();
      const rows = await t.db.query<{ score: number | null }>(`SELECT score FROM responses WHERE survey_id = :id`, {
        id: s.id,
      });
      expect({ survey: s.title, responses: shown('responses') }).toEqual({
        survey: s.title,
        responses: String(rows.length),
      });
      const scores = rows.map((r) => r.score).filter((x): x is number => x !== null);
      const share = (f: (x: number) => boolean) => (100 * scores.filter(f).length) / scores.length;
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      const expected =
        s.type === 'nps'
          ? Math.round(share((x) => x >= 9) - share((x) => x <= 6)).toFixed(0)
          : s.type === 'csat'
            ? `${Math.round(share((x) => x >= 4))} %`
            : s.type
              ? (Math.round(mean * 10) / 10).toFixed(1)
              : undefined;
      expect({ survey: s.title, headline: shown(s.type === 'nps' ? 'nps' : 'headline') }).toEqual({
        survey: s.title,
        headline: expected,
      });
    }
  });

  it('refuses a second run into the same workspace, and changes nothing', async () => {
    const before = await t.db.one<{ n: number }>(
      `SELECT (SELECT count(*) FROM workspaces) + (SELECT count(*) FROM responses) AS n`,
    );
    const again = await demo({ DATABASE_URL: t.databaseUrl });
    expect(again.code).not.toBe(0);
    expect(again.output).toContain('The demo workspace already exists here: sign in as demo@rapport.localhost');
    const after = await t.db.one<{ n: number }>(
      `SELECT (SELECT count(*) FROM workspaces) + (SELECT count(*) FROM responses) AS n`,
    );
    expect(after).toEqual(before);
  });
});

describe('npm run demo with the embedded PostgreSQL (no DATABASE_URL)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-demo-test-'));
  fs.chmodSync(tmp, 0o755); // as root, the postgres user must be able to enter it
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('starts it, fills it, stops it; and refuses the second run', async () => {
    const env = { DATABASE_URL: '', EMBEDDED_PG_DIR: path.join(tmp, 'pg'), EMBEDDED_PG_PORT: String(await freePort()) };
    const made = await demo(env);
    expect(made.output).toContain('Sign in at');
    expect(made.code).toBe(0);
    const again = await demo(env);
    expect(again.output).toContain('already exists');
    expect(again.code).not.toBe(0);
  }, 600_000);
});
