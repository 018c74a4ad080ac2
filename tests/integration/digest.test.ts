import request from 'supertest';
import { createDb, type Db } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { hashToken } from '../../src/platform/tokens';
import { teammates } from '../../src/modules/accounts';
import { createDigestJob, mondayOf } from '../../src/modules/digest';
import { insightsService } from '../../src/modules/insights';
import { surveysService } from '../../src/modules/surveys';
import { createTestApp, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let me: string;
let sam: string;
let npsId: string;
let csatId: string;
let eve: string;
/** A second instance: its own connection pool on the same database. */
let otherDb: Db;

const WORKSPACE = 'Acme <Support> & Co';

const jobOn = (db: Db) =>
  createDigestJob({
    db,
    insights: insightsService({ db, surveys: surveysService(db) }),
    people: teammates(db),
    sealer: t.sealer,
    log: createLogger('silent'),
    onQueued: () => undefined,
  });

/** A moment of this week (by the database clock) after the digest hour, and the same a week later. */
async function thisWeek() {
  const now = (await t.db.one<{ now: Date }>('SELECT now() AS now'))!.now;
  const monday = mondayOf(now);
  return {
    monday,
    due: new Date(`${monday}T09:00:00Z`),
    early: new Date(`${monday}T07:59:00Z`),
    nextWeek: new Date(Date.parse(`${monday}T09:00:00Z`) + 7 * 86_400_000),
  };
}

/** Answers `daysAgo` days ago (i minutes apart, the first newest), straight into the table; triggers count them. */
async function seed(surveyId: string, daysAgo: number, rows: { score: number; comment?: string; contact?: string }[]) {
  for (const [i, r] of rows.entries())
    await t.db.execute(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, score, comment, answers, contact_id, submitted_at)
       VALUES (:workspaceId, :surveyId, 1, :score, :comment, :answers::jsonb, :contact,
         now() - make_interval(days => :daysAgo, mins => :i))`,
      {
        workspaceId,
        surveyId,
        score: r.score,
        comment: r.comment ?? null,
        answers: JSON.stringify({
          [surveyId === npsId ? 'nps' : 'sat']: r.score,
          ...(r.comment ? { reason: r.comment } : {}),
        }),
        contact: r.contact ?? null,
        daysAgo,
        i,
      },
    );
}

const contact = async (name: string, email: string) =>
  (await t.db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, name) VALUES (:workspaceId, :email, :name) RETURNING id`,
    { workspaceId, email, name },
  ))!.id;

const digestsOf = (userId: string) =>
  t.db.query<{ week: string; status: string; tokenHash: Buffer; content: string; tokenSealed: string }>(
    `SELECT to_char(week, 'YYYY-MM-DD') AS week, status, token_hash AS "tokenHash", content::text AS content,
       token_sealed AS "tokenSealed"
     FROM digests WHERE user_id = :userId ORDER BY week`,
    { userId },
  );

beforeAll(async () => {
  t = await createTestApp();
  otherDb = createDb(t.databaseUrl, { poolMax: 3 });
  agent = await signedInAgent(t.app);
  const ws = (await t.db.one<{ id: string; userId: string }>(
    `SELECT w.id, u.id AS "userId" FROM workspaces w JOIN users u ON u.workspace_id = w.id`,
  ))!;
  workspaceId = ws.id;
  me = ws.userId;
  await t.db.execute(`UPDATE workspaces SET name = :name WHERE id = :workspaceId`, { name: WORKSPACE, workspaceId });
  sam = (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:workspaceId, 'Sam Support', 'sam@acme.test', 'x', 'member') RETURNING id`,
    { workspaceId },
  ))!.id;

  npsId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we <doing>?' });
  csatId = await seedSurvey(t.db, workspaceId, {
    questions: [{ id: 'sat', type: 'csat', text: 'How satisfied are you?', required: true }],
    title: 'Support tickets',
  });
  // Neither is in the digest: one archived (with answers), one without answers.
  const archived = await seedSurvey(t.db, workspaceId, {
    questions: NPS_SURVEY,
    title: 'Old survey',
    status: 'archived',
  });
  await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'Nobody answered yet' });

  const ada = await contact('Ada Lovelace', 'ada@example.com');
  eve = await contact('Eve Erased', 'eve@example.com');
  // The 30 days before: 2 promoters, 8 detractors → NPS −60.
  await seed(npsId, 40, [...Array(2).fill({ score: 10 }), ...Array(8).fill({ score: 0 })]);
  // The last 30 days: 8 promoters, 2 detractors → NPS +60. The four newest carry comments.
  await seed(npsId, 5, [
    { score: 10, comment: 'Eve wrote this and asked to be forgotten', contact: eve },
    { score: 10, comment: 'Fast <b>delivery</b> & "friendly"', contact: ada },
    { score: 0, comment: 'Nobody called back' },
    { score: 9, comment: 'Older comment, not among the three newest' },
    ...Array(5).fill({ score: 10 }),
    { score: 0 },
  ]);
  // 5, 4 and 1: 2 of 3 satisfied.
  await seed(csatId, 3, [{ score: 5 }, { score: 4 }, { score: 1 }]);
  await t.db.execute(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers) VALUES (:workspaceId, :archived, 1, 0, '{"nps": 0}')`,
    { workspaceId, archived },
  );
  // Of the NPS survey's 10 detractors, 4 are closed: 6 still open.
  await t.db.execute(
    `UPDATE conversations SET status = 'closed', closed_at = now() WHERE response_id IN (
       SELECT response_id FROM conversations WHERE survey_id = :npsId AND band = 'detractor' ORDER BY submitted_at LIMIT 4)`,
    { npsId },
  );
});
afterAll(async () => {
  await otherDb.close();
  await t.close();
});

describe('the Team page', () => {
  it('lets each teammate opt in to the weekly digest for themselves (off by default)', async () => {
    let page = await agent.get('/team').expect(200);
    expect(page.text).toMatch(/<input type="checkbox" name="digestEnabled" value="on" data-testid="digest-enabled" >/);
    await submitForm(agent, '/team', '/team/digest', { digestEnabled: 'on' });
    page = await agent.get('/team?digest=1').expect(200);
    expect(page.text).toContain('Digest setting saved.');
    expect(page.text).toMatch(/data-testid="digest-enabled" checked>/);
    const rows = await t.db.query<{ id: string; on: boolean }>(
      `SELECT id, digest_enabled AS on FROM users WHERE workspace_id = :workspaceId ORDER BY id`,
      { workspaceId },
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.on]))).toEqual({ [me]: true, [sam]: false });
    // A form without its CSRF token changes nothing.
    await agent.post('/team/digest').type('form').send({}).expect(403);
    expect((await t.db.one<{ on: boolean }>(`SELECT digest_enabled AS on FROM users WHERE id = :me`, { me }))!.on).toBe(
      true,
    );
  });
});

describe('the weekly digest', () => {
  let unsubscribeUrl: string;

  it('is not queued before Monday 08:00 UTC', async () => {
    const { early } = await thisWeek();
    expect(await jobOn(t.db).runDue(early)).toEqual({ queued: 0 });
    expect(await digestsOf(me)).toEqual([]);
  });

  it('two instances ticking together, then again, queue one digest for the one teammate who asked', async () => {
    const { due, monday } = await thisWeek();
    const [a, b] = await Promise.all([jobOn(t.db).runDue(due), jobOn(otherDb).runDue(due)]);
    expect(a.queued + b.queued).toBe(1);
    expect(await jobOn(otherDb).runDue(due)).toEqual({ queued: 0 });
    expect(await jobOn(t.db).runDue(new Date(due.getTime() + 3 * 86_400_000))).toEqual({ queued: 0 });
    expect((await digestsOf(me)).map((d) => [d.week, d.status])).toEqual([[monday, 'queued']]);
    expect(await digestsOf(sam)).toEqual([]);
    // The lock only saves work; the database itself refuses a second digest for the same teammate and week.
    await expect(
      t.db.execute(
        `INSERT INTO digests (workspace_id, user_id, week, content, token_hash, token_sealed)
         VALUES (:workspaceId, :me, :monday, '{}', '\\x00', 'x')`,
        { workspaceId, me, monday },
      ),
    ).rejects.toMatchObject({ parent: { constraint: 'digests_once_a_week' } });
  });

  it('reads a comment when it is sent: one erased in between never goes out', async () => {
    await submitForm(agent, `/contacts/${eve}`, `/contacts/${eve}/erase`, { confirm: 'on' });
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(1);
    const mail = t.smtp.messages[0]!;
    expect(mail.text).not.toContain('Eve');
    expect(mail.html).not.toContain('Eve');
    expect(mail.text).not.toContain('Older comment');
    expect((await digestsOf(me)).map((d) => d.status)).toEqual(['sent']);
  });

  it("says each survey's headline and change in the dashboard's own words, with hand-computed numbers", async () => {
    const mail = t.smtp.messages[0]!;
    const { monday } = await thisWeek();
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]).toEqual({
      name: 'Valeria Ortiz',
      address: 'valeria@acme.test',
    });
    expect(mail.from!.value[0]).toEqual({ name: WORKSPACE, address: 'pulse@rapport.test' });
    const weekName = new Date(`${monday}T00:00:00Z`).toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(mail.subject).toBe(`${WORKSPACE}: your weekly digest, week of ${weekName}`);
    expect(mail.messageId).toMatch(/^<digest-[0-9a-f-]{36}@rapport\.test>$/);
    const text = mail.text!;

    // NPS over all 20 answers: 10 promoters, 10 detractors → 0; se = √((½ + ½ − 0²) / 19) = 22.9 → ± 1.96·22.9 = 45.
    expect(text).toContain('## How are we <doing>?\nNPS: 0 (± 45), 20 responses in all.');
    // Last 30 days 8 promoters and 2 detractors of 10 → +60, se = √((0.8 + 0.2 − 0.6²) / 9) = 26.7 → ± 52; the 30
    // days before −60 ± 52. Difference +120 ± 1.96·√(2·26.7²) = ± 74 → 46 to 194: beyond the noise.
    expect(text).toContain('Are we getting better? Better: +120 points, more than the margin of error.');
    expect(text).toContain(
      'Last 30 days: NPS 60 (± 52), 10 answers · the 30 days before: -60 (± 52), 10 answers. The difference is between 46 to 194 (95 %).',
    );
    // 10 detractors, 4 closed.
    expect(text).toContain(
      `Unhappy answers still open (detractors (0–6)): 6 — http://rapport.test/inbox?status=open&survey=${npsId}`,
    );
    // The three newest comments, newest first: the erased one is gone, the fourth never was.
    expect(text).toMatch(
      /Newest comments:\n- "Fast <b>delivery<\/b> & "friendly"" \(Ada Lovelace, 10, \d{4}-\d\d-\d\d\) http:\/\/rapport\.test\/inbox\/[0-9a-f-]{36}\n- "Nobody called back" \(Someone, 0, \d{4}-\d\d-\d\d\) http:\/\/rapport\.test\/inbox\/[0-9a-f-]{36}\nDashboard: /,
    );

    // CSAT 5, 4, 1: 2 of 3 satisfied = 67 %, Wilson 21–94 %; 3 answers are under the anonymity threshold (5).
    expect(text).toContain('## Support tickets\n% satisfied: 67 % (21–94 %), 3 responses in all.');
    expect(text).toContain(
      'Are we getting better? Not enough answers yet to compare the last 30 days with the 30 before.\n' +
        'Last 30 days: % satisfied fewer than 5 answers (hidden) · the 30 days before: no answers.',
    );
    expect(text).toContain('Unhappy answers still open (low scores (1–3)): 1');
    expect(text).not.toContain('Old survey');
    expect(text).not.toContain('Nobody answered yet');
    expect(text).toContain(`— ${WORKSPACE}\n1 Main St, Springfield`);

    // The same verdict as the dashboard shows.
    const dashboard = (await agent.get(`/surveys/${npsId}`).expect(200)).text;
    expect(dashboard).toContain('Better: +120 points, more than the margin of error.');
    expect(dashboard).toContain('Last 30 days: NPS 60 (± 52), 10 answers');
  });

  it('escapes everything a person typed in the HTML part', async () => {
    const html = t.smtp.messages[0]!.html as string;
    expect(html).toContain('Acme &lt;Support&gt; &amp; Co');
    expect(html).toContain('How are we &lt;doing&gt;?');
    expect(html).toContain('Fast &lt;b&gt;delivery&lt;/b&gt; &amp; &#34;friendly&#34;');
    expect(html).not.toContain('<b>delivery');
    expect(html).not.toContain('<Support>');
    expect(html).toContain('Better: +120 points, more than the margin of error.');
    expect(html).toMatch(/Unhappy answers still open \(detractors \(0–6\)\): <a href="[^"]+"><strong>6<\/strong>/);
  });

  it('carries an unsubscribe link (also as List-Unsubscribe) whose token is stored only as its hash', async () => {
    const mail = t.smtp.messages[0]!;
    const m = /Stop the weekly digest: (http:\/\/rapport\.test\/digest\/unsubscribe\/([A-Za-z0-9_-]{43}))$/m.exec(
      mail.text!,
    );
    expect(m).not.toBeNull();
    unsubscribeUrl = m![1]!;
    const token = m![2]!;
    const header = (name: string) =>
      mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/\s+/g, ' ')
        .replace(/^[\w-]+: /, '');
    expect(header('list-unsubscribe')).toBe(`<${unsubscribeUrl}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.html).toContain(`href="${unsubscribeUrl}"`);
    const [row] = await digestsOf(me);
    expect(row!.tokenHash.equals(hashToken(token))).toBe(true);
    expect(row!.content).not.toContain(token);
    expect(row!.tokenSealed).not.toContain(token);
  });

  it('stops with one click: the GET only asks, the POST (RFC 8058, no cookies) turns it off', async () => {
    const path = unsubscribeUrl.replace('http://rapport.test', '');
    const asked = await request(t.app).get(path).expect(200);
    expect(asked.text).toContain('from Acme &lt;Support&gt; &amp; Co');
    expect(asked.text).toContain(`<form method="post" action="${path}">`);
    const on = async () =>
      (await t.db.one<{ on: boolean }>(`SELECT digest_enabled AS on FROM users WHERE id = :me`, { me }))!.on;
    expect(await on()).toBe(true);
    const done = await request(t.app).post(path).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(done.text).toContain('data-testid="digest-stopped"');
    expect(await on()).toBe(false);
    await request(t.app).get('/digest/unsubscribe/not-a-token').expect(404);
    await request(t.app)
      .post(`/digest/unsubscribe/${'A'.repeat(43)}`)
      .expect(404);

    // Next week: nothing for whoever stopped it.
    const { nextWeek } = await thisWeek();
    expect(await jobOn(t.db).runDue(nextWeek)).toEqual({ queued: 0 });
  });

  it('a teammate who turns it off (or leaves) after it was queued gets nothing: suppressed, with the reason', async () => {
    await t.db.execute(`UPDATE users SET digest_enabled = true WHERE id = :sam`, { sam });
    const { nextWeek } = await thisWeek();
    expect(await jobOn(t.db).runDue(nextWeek)).toEqual({ queued: 1 });
    await t.db.execute(`UPDATE users SET digest_enabled = false WHERE id = :sam`, { sam });
    t.smtp.messages.length = 0;
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(0);
    expect(await t.db.query(`SELECT status, last_error AS why FROM digests WHERE user_id = :sam`, { sam })).toEqual([
      { status: 'suppressed', why: 'The teammate turned the weekly digest off; not sent.' },
    ]);
  });
});

describe("in the workspace's time zone", () => {
  /** Runs the job at `at` (ISO), the workspace in `zone`; answers what was queued and the weeks of my digests. */
  const runAt = async (zone: string, at: string) => {
    await t.db.execute(`UPDATE workspaces SET time_zone = :zone WHERE id = :workspaceId`, { zone, workspaceId });
    const { queued } = await jobOn(t.db).runDue(new Date(at));
    return { queued, weeks: (await digestsOf(me)).map((d) => d.week) };
  };
  beforeAll(() => t.db.execute(`UPDATE users SET digest_enabled = true WHERE id = :me`, { me }));
  afterAll(() => t.db.execute(`UPDATE workspaces SET time_zone = 'UTC' WHERE id = :workspaceId`, { workspaceId }));

  it('Pacific/Auckland: sent at 08:00 on the local Monday, while it is still Sunday in UTC, for the local week', async () => {
    // Monday 1 March 2027, 08:00 NZDT (UTC+13) is Sunday 28 February, 19:00 UTC (UTC's week began 22 February).
    expect(await runAt('Pacific/Auckland', '2027-02-28T18:59:00Z')).toMatchObject({ queued: 0 });
    const { queued, weeks } = await runAt('Pacific/Auckland', '2027-02-28T19:00:00Z');
    expect(queued).toBe(1);
    expect(weeks).toContain('2027-03-01');
    expect(weeks).not.toContain('2027-02-22');
    // Another instance, later that (local) week: nothing more.
    expect((await jobOn(otherDb).runDue(new Date('2027-03-05T10:00:00Z'))).queued).toBe(0);
  });

  it('America/Los_Angeles: Monday 08:00 local, across the change to summer time; Sunday evening is still last week', async () => {
    // 15 March 2027 is the first Monday of PDT (UTC−7): 08:00 is 15:00 UTC (it was 16:00 UTC a week before).
    expect(await runAt('America/Los_Angeles', '2027-03-15T14:59:00Z')).toMatchObject({ queued: 0 });
    expect((await runAt('America/Los_Angeles', '2027-03-15T15:00:00Z')).weeks).toContain('2027-03-15');
    // Sunday 21 March, 23:30 PDT is Monday 06:30 UTC: still the week of the 15th there, which has its digest.
    const sunday = await runAt('America/Los_Angeles', '2027-03-22T06:30:00Z');
    expect(sunday.queued).toBe(0);
    expect(sunday.weeks).not.toContain('2027-03-22');
  });
});
