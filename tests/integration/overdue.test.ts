import { createDb, type Db } from '../../src/platform/db';
import { databaseClock } from '../../src/platform/clock';
import { createLogger } from '../../src/platform/logger';
import { createEscalationJob } from '../../src/modules/followups';
import { slackMessage } from '../../src/modules/webhooks/slack';
import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { NPS_SURVEY, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let receiver: Receiver;
let workspaceId: string;
let sam: string;
let survey: string;
/** A second instance: its own connection pool on the same database. */
let otherDb: Db;
/** The instant the app's pages reckon from, when a test fixes it; else the database clock. */
let pageNow: Date | undefined;

/** The controlled clock: every answer and every run of the job is at a known time from here. */
const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (hours: number, minutes = 0) => new Date(T0 + hours * 3_600_000 + minutes * 60_000);

const jobOn = (db: Db) => createEscalationJob({ db, log: createLogger('silent'), onQueued: () => undefined });

const addUser = async (name: string, email: string, role: 'owner' | 'admin' | 'member') =>
  (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:workspaceId, :name, :email, 'x', :role) RETURNING id`,
    { workspaceId, name, email, role },
  ))!.id;

/** A confirmed answer by a new contact, submitted at `when`. */
async function answer(name: string, score: number, when: Date, comment?: string) {
  const contact = (await t.db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, name) VALUES (:workspaceId, :email, :name) RETURNING id`,
    { workspaceId, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`, name },
  ))!.id;
  return (await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, comment, answers, contact_id, submitted_at, completed_at)
     VALUES (:workspaceId, :survey, 1, :score, :comment, :answers::jsonb, :contact, :when, :when) RETURNING id`,
    {
      workspaceId,
      survey,
      score,
      comment: comment ?? null,
      answers: JSON.stringify({ nps: score }),
      contact,
      when: when.toISOString(),
    },
  ))!.id;
}

/** A teammate's reply written at `when` (as the inbox would queue it). */
const replied = (responseId: string, when: Date) =>
  t.db.execute(
    `INSERT INTO replies (workspace_id, response_id, contact_id, author_user_id, author_name, author_email, body, created_at)
     SELECT r.workspace_id, r.id, r.contact_id, :sam, 'Sam Support', 'sam@acme.test', 'Sorry, fixing it now', :when
     FROM responses r WHERE r.id = :responseId`,
    { responseId, sam, when: when.toISOString() },
  );

const escalated = async () =>
  (
    await t.db.query<{ name: string; at: Date }>(
      `SELECT c.name, cv.escalated_at AS at FROM conversations cv JOIN responses r ON r.id = cv.response_id
       JOIN contacts c ON c.id = r.contact_id WHERE cv.escalated_at IS NOT NULL ORDER BY c.name`,
    )
  ).map((r) => `${r.name} @ ${r.at.toISOString()}`);

const escalationMails = () =>
  t.db.query<{ name: string; to: string; status: string }>(
    `SELECT c.name, u.email AS to, e.status FROM escalations e JOIN users u ON u.id = e.user_id
     JOIN responses r ON r.id = e.response_id JOIN contacts c ON c.id = r.contact_id ORDER BY c.name, u.email`,
  );

const overdueEvents = () =>
  t.db.query<{ payload: { data: { id: string; targetHours: number; awaitingSince: string } } }>(
    `SELECT payload FROM webhook_events WHERE type = 'conversation.overdue' ORDER BY created_at`,
  );

beforeAll(async () => {
  t = await createTestApp({ webhooksAllowPrivate: true, clock: async () => pageNow ?? databaseClock(t.db)() });
  otherDb = createDb(t.databaseUrl, { poolMax: 3 });
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  sam = await addUser('Sam Support', 'sam@acme.test', 'member');
  await addUser('Alex Admin', 'alex@acme.test', 'admin');
  survey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await otherDb.close();
  await t.close();
});
afterEach(async () => {
  await t.db.execute(`DELETE FROM webhook_endpoints`);
  await t.db.execute(`DELETE FROM webhook_events`);
  await t.db.execute(`DELETE FROM contacts`);
  await t.db.execute(`DELETE FROM responses`);
  await t.db.execute(`UPDATE workspaces SET response_target_hours = 24`);
  await t.db.execute(`UPDATE users SET alerts_enabled = true`);
  receiver.received.length = 0;
  t.smtp.messages.length = 0;
  pageNow = undefined;
});

describe('escalation, with a controlled clock (target 24 h by default)', () => {
  it('escalates an unhappy conversation once its customer has waited 24 h without a reply, once, to each owner and admin', async () => {
    await answer('Ada', 2, at(0), 'Exports time out');
    await answer('Bob', 5, at(2));
    await answer('Cy Promoter', 10, at(0));
    const dee = await answer('Dee Answered', 1, at(0));
    await replied(dee, at(1));
    const job = jobOn(t.db);

    expect(await job.runDue(at(23, 59))).toEqual({ escalated: 0, queued: 0 });
    expect(await escalated()).toEqual([]);

    // Ada at exactly 24 h; Bob has waited 22 h; the promoter and the answered one never.
    expect(await job.runDue(at(24))).toEqual({ escalated: 1, queued: 2 });
    expect(await escalated()).toEqual(['Ada @ 2026-03-03T09:00:00.000Z']);

    expect(await job.runDue(at(26))).toEqual({ escalated: 1, queued: 2 });
    expect(await job.runDue(at(72))).toEqual({ escalated: 0, queued: 0 });
    expect(await escalated()).toEqual(['Ada @ 2026-03-03T09:00:00.000Z', 'Bob @ 2026-03-03T11:00:00.000Z']);
    // Owners and admins (not the member Sam), one each per conversation.
    expect(await escalationMails()).toEqual([
      { name: 'Ada', to: 'alex@acme.test', status: 'queued' },
      { name: 'Ada', to: 'valeria@acme.test', status: 'queued' },
      { name: 'Bob', to: 'alex@acme.test', status: 'queued' },
      { name: 'Bob', to: 'valeria@acme.test', status: 'queued' },
    ]);

    await t.worker.drainOnce();
    const toAlex = t.smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.text.includes('alex@acme.test'));
    expect(toAlex.map((m) => m.subject).sort()).toEqual([
      expect.stringMatching(/^Overdue: Ada has waited \d+ h for an answer$/),
      expect.stringMatching(/^Overdue: Bob has waited \d+ h for an answer$/),
    ]);
    const ada = toAlex.find((m) => m.subject!.includes('Ada'))!;
    expect(ada.text).toContain("Ada answered 2 to 'How are we doing?' and nobody has replied yet");
    expect(ada.text).toContain('within 24 h');
    expect(ada.text).toContain("'Exports time out'");
    expect(ada.text).toMatch(/Answer them: http:\/\/rapport\.test\/inbox\/[0-9a-f-]{36}/);
    expect(ada.messageId).toMatch(/^<escalation-[0-9a-f-]{36}@rapport\.test>$/);
    expect((await escalationMails()).every((m) => m.status === 'sent')).toBe(true);
  });

  it('follows the target set in Settings, and a reply or close before it stops the clock', async () => {
    const page = await agent.get('/settings').expect(200);
    expect(page.text).toContain('name="responseTargetHours"');
    expect(page.text).toMatch(/name="responseTargetHours"[^>]*value="24"/);
    const refused = await agent
      .post('/settings')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        name: 'Acme',
        senderName: 'Acme',
        postalAddress: '1 Main St',
        throttleDays: '0',
        responseTargetHours: '0',
      })
      .expect(422);
    expect(refused.text).toContain('Use at least 1 hour.');
    await submitForm(agent, '/settings', '/settings', {
      name: 'Acme',
      senderName: 'Acme',
      postalAddress: '1 Main St',
      throttleDays: '0',
      responseTargetHours: '48',
    });

    const eve = await answer('Eve', 0, at(0));
    const fay = await answer('Fay', 0, at(0));
    const gus = await answer('Gus', 0, at(0));
    await replied(fay, at(47));
    await t.db.execute(`UPDATE conversations SET status = 'closed' WHERE response_id = :gus`, { gus });
    const job = jobOn(t.db);
    expect((await job.runDue(at(30))).escalated).toBe(0);
    expect((await job.runDue(at(48))).escalated).toBe(1);
    expect(await escalated()).toEqual(['Eve @ 2026-03-04T09:00:00.000Z']);
    expect(
      (await t.db.one<{ at: Date }>(`SELECT escalated_at AS at FROM conversations WHERE response_id = :eve`, { eve }))!
        .at,
    ).toEqual(at(48));
  });

  it('an escalation still queued when someone replies is not sent, and says why', async () => {
    const hal = await answer('Hal', 3, at(0));
    await jobOn(t.db).runDue(at(25));
    await replied(hal, at(25, 1));
    await t.worker.drainOnce();
    // Only the reply itself went out.
    expect(t.smtp.messages.map((m) => m.subject)).toEqual(['Re: How are we doing?']);
    const ended = await t.db.query<{ status: string; lastError: string }>(
      `SELECT status, last_error AS "lastError" FROM escalations`,
    );
    expect(ended).toEqual([
      { status: 'suppressed', lastError: 'Someone replied before the escalation was sent; not sent.' },
      { status: 'suppressed', lastError: 'Someone replied before the escalation was sent; not sent.' },
    ]);
  });

  it('two instances running at the same moment escalate each conversation exactly once', async () => {
    for (let i = 0; i < 30; i++) await answer(`Many ${String(i).padStart(2, '0')}`, 1, at(0, i));
    const results = await Promise.all([jobOn(t.db).runDue(at(30)), jobOn(otherDb).runDue(at(30))]);
    expect(results[0]!.escalated + results[1]!.escalated).toBe(30);
    expect(await escalated()).toHaveLength(30);
    expect(await escalationMails()).toHaveLength(60);
    // A third pass, later, finds nothing left to do.
    expect((await jobOn(otherDb).runDue(at(40))).escalated).toBe(0);
  });
});

describe('conversation.overdue, to webhooks and Slack', () => {
  it('is posted once per escalated conversation to an endpoint that listens to it', async () => {
    const page = await agent.get('/settings/webhooks').expect(200);
    expect(page.text).toContain('conversation.overdue');
    await agent
      .post('/settings/webhooks')
      .type('form')
      .send(
        new URLSearchParams([
          ['_csrf', csrfFrom(page.text)],
          ['url', receiver.url()],
          ['description', ''],
          ['format', 'standard'],
          ['events', 'conversation.overdue'],
        ]).toString(),
      );
    const ivy = await answer('Ivy', 4, at(0));
    await jobOn(t.db).runDue(at(24));
    await jobOn(t.db).runDue(at(30));
    expect(await overdueEvents()).toHaveLength(1);
    await t.worker.drainOnce();
    await receiver.until(1);
    expect(receiver.received).toHaveLength(1);
    const body = JSON.parse(receiver.received[0]!.body) as {
      type: string;
      data: { id: string; band: string; targetHours: number; awaitingSince: string; contact: { name: string } };
    };
    expect(body.type).toBe('conversation.overdue');
    expect(body.data).toMatchObject({ id: ivy, band: 'detractor', targetHours: 24, contact: { name: 'Ivy' } });
    expect(Date.parse(body.data.awaitingSince)).toBe(T0);
  });

  it('reads in Slack as who waited how long, the target and the owner', () => {
    const now = Date.now();
    const msg = slackMessage(
      'conversation.overdue',
      {
        id: 'abc',
        survey: { title: 'How are we <doing>?' },
        contact: { name: 'Ada' },
        owner: null,
        awaitingSince: new Date(now - 27.5 * 3_600_000).toISOString(),
        targetHours: 24,
      },
      'http://rapport.test',
    );
    expect(msg.text).toBe(
      "Overdue: Ada has waited 27 h for an answer about 'How are we <doing>?' (target 24 h; owner: nobody yet)",
    );
    expect(JSON.stringify(msg.blocks)).toContain('How are we &lt;doing&gt;?');
    expect(JSON.stringify(msg.blocks)).toContain('http://rapport.test/inbox/abc');
  });
});

describe('the inbox', () => {
  it('flags overdue conversations and lists them under Overdue, the longest wait first', async () => {
    // Known ages against the database clock: 40 h and 25 h unhappy (overdue), 2 h unhappy and 30 h happy (not).
    const ages = { 'Old Wait': [1, 40], 'Day Wait': [2, 25], 'Fresh One': [0, 2], 'Happy Pat': [10, 30] } as const;
    for (const [name, [score, hours]] of Object.entries(ages)) {
      const now = (await t.db.one<{ now: Date }>('SELECT now() AS now'))!.now;
      await answer(name, score, new Date(now.getTime() - hours * 3_600_000 - 60_000));
    }
    const all = await agent.get('/inbox?status=open').expect(200);
    expect(all.text).toContain('2 unhappy customers have waited past your response-time target');
    const flagged = [...all.text.matchAll(/<tr data-testid="inbox-row"( class="overdue")?>[\s\S]*?<\/tr>/g)]
      .filter((m) => m[1])
      .map((m) => /Old Wait|Day Wait|Fresh One|Happy Pat/.exec(m[0])![0]);
    expect(flagged.sort()).toEqual(['Day Wait', 'Old Wait']);
    expect(all.text).toMatch(/Overdue · waiting 40 h/);
    expect(all.text).toMatch(/Overdue · waiting 25 h/);

    const overdue = await agent.get('/inbox?status=overdue').expect(200);
    const rows = [...overdue.text.matchAll(/data-testid="inbox-row"[\s\S]*?(Old Wait|Day Wait|Fresh One|Happy Pat)/g)];
    expect(rows.map((r) => r[1])).toEqual(['Old Wait', 'Day Wait']);
  });

  it("with the app's clock fixed, the inbox and the conversation reckon the wait from it, not from the machine's", async () => {
    // Answered at T0, months before the machine's own clock: only the app's clock says how long it has waited.
    const id = await answer('Clocked Wait', 2, at(0));
    pageNow = at(30, 59);
    const inbox = await agent.get('/inbox?status=open').expect(200);
    expect(inbox.text).toMatch(/Overdue · waiting 30 h</);
    expect((await agent.get(`/inbox/${id}`).expect(200)).text).toMatch(/Overdue · waiting 30 h \(target 24 h\)/);

    pageNow = at(23);
    const before = await agent.get('/inbox?status=open').expect(200);
    expect(before.text).toContain('Clocked Wait');
    expect(before.text).not.toContain('data-testid="overdue-flag"');
  });
});
