import request from 'supertest';
import { createTestApp, csrfFrom, refusingRelay, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { EVERY_TYPE, NPS_SURVEY, seedDelivery, seedSurvey, seedWorkspace } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let me: string;
let sam: string;
let alex: string;
let npsSurvey: string;
let csatSurvey: string;

const addUser = async (ws: string, name: string, email: string, role: 'owner' | 'admin' | 'member') =>
  (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:ws, :name, :email, 'x', :role) RETURNING id`,
    { ws, name, email, role },
  ))!.id;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  const ws = await t.db.one<{ id: string; userId: string }>(
    `SELECT w.id, u.id AS "userId" FROM workspaces w JOIN users u ON u.workspace_id = w.id`,
  );
  workspaceId = ws!.id;
  me = ws!.userId;
  sam = await addUser(workspaceId, 'Sam Support', 'sam@acme.test', 'member');
  alex = await addUser(workspaceId, 'Alex Admin', 'alex@acme.test', 'admin');
  npsSurvey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
  csatSurvey = await seedSurvey(t.db, workspaceId, { questions: EVERY_TYPE, title: 'Your support ticket' });
});
afterAll(() => t.close());
afterEach(async () => {
  await t.db.execute(`DELETE FROM contacts`);
  await t.db.execute(`DELETE FROM responses`);
  await t.db.execute(`UPDATE users SET alerts_enabled = true`);
  t.smtp.messages.length = 0;
});

/** A contact invited to a survey, owned by `owner` (or nobody). */
async function invited(o: { owner?: string; survey?: string; ws?: string } = {}) {
  const d = await seedDelivery(t.db, t.sealer, o.ws ?? workspaceId, o.survey ?? npsSurvey);
  await t.db.execute(`UPDATE contacts SET name = 'Ada Lovelace', owner_user_id = :owner WHERE id = :id`, {
    id: d.contactId,
    owner: o.owner ?? null,
  });
  return d;
}

const send = (token: string, body: Record<string, string>) =>
  request(t.app).post(`/r/${token}`).type('form').send(body).expect(303);
const saveAsYouGo = (token: string, body: Record<string, string>) =>
  request(t.app)
    .post(`/r/${token}`)
    .set('Accept', 'application/json')
    .type('form')
    .send({ ...body, _partial: '1' })
    .expect(200);
const responseId = async (deliveryId: string) =>
  (await t.db.one<{ id: string }>(`SELECT id FROM responses WHERE delivery_id = :deliveryId`, { deliveryId }))!.id;
const alertsFor = async (deliveryId: string) =>
  await t.db.query<{ userId: string | null; status: string }>(
    `SELECT a.user_id AS "userId", a.status FROM alerts a JOIN responses r ON r.id = a.response_id WHERE r.delivery_id = :deliveryId ORDER BY a.user_id`,
    { deliveryId },
  );
const recipients = async (deliveryId: string) => (await alertsFor(deliveryId)).map((a) => a.userId).sort();
/** Alerts wait a few minutes for the comment that usually follows the score; the tests skip the wait. */
const graceOver = () => t.db.execute(`UPDATE alerts SET next_attempt_at = now() WHERE status = 'queued'`);

describe('a confirmed unhappy answer', () => {
  it('queues one alert to the conversation owner; after the grace the worker sends it from Rapport with the latest comment and the link', async () => {
    const d = await invited({ owner: sam });
    await send(d.token, { nps: '3' }); // the first Send confirms the score; the follow-up comes next
    expect(await alertsFor(d.deliveryId)).toEqual([{ userId: sam, status: 'queued' }]);
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(0); // not due yet: the comment may still be on its way

    await send(d.token, { nps: '3', _shown: 'help', help: 'Support never <answered>' });
    expect(await alertsFor(d.deliveryId)).toHaveLength(1);
    await graceOver();
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(1);
    const mail = t.smtp.messages[0]!;
    const id = await responseId(d.deliveryId);
    expect(mail.from!.value[0]).toEqual({ name: 'Rapport', address: 'pulse@rapport.test' });
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]).toEqual({
      name: 'Sam Support',
      address: 'sam@acme.test',
    });
    expect(mail.subject).toBe("Ada Lovelace answered 3 to 'How are we doing?'");
    expect(mail.messageId).toMatch(/^<alert-[0-9a-f-]{36}@rapport\.test>$/);
    expect(mail.text).toContain("Ada Lovelace answered 3 to 'How are we doing?': 'Support never <answered>'");
    expect(mail.text).toContain(`http://rapport.test/inbox/${id}`);
    expect(mail.html).toContain(`href="http://rapport.test/inbox/${id}"`);
    expect(mail.html).toContain('Support never &lt;answered&gt;');
    expect(mail.html).not.toContain('<answered>');
    expect(mail.headers.get('list-unsubscribe')).toBeUndefined();
    expect(await alertsFor(d.deliveryId)).toEqual([{ userId: sam, status: 'sent' }]);
  });

  it('goes to every owner and admin who wants alerts when nobody owns the conversation', async () => {
    const d = await invited();
    await send(d.token, { nps: '0', reason: 'Broken' });
    expect(await recipients(d.deliveryId)).toEqual([me, alex].sort());
    await graceOver();
    await t.worker.drainOnce();
    const to = t.smtp.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]!.address : '')).sort();
    expect(to).toEqual(['alex@acme.test', 'valeria@acme.test']);
  });

  it('on a CSAT (or other) scale: "low" alerts, "high" does not', async () => {
    const low = await invited({ owner: sam, survey: csatSurvey });
    const high = await invited({ owner: sam, survey: csatSurvey });
    await send(low.token, { sat: '2' });
    await send(high.token, { sat: '4' });
    expect(await recipients(low.deliveryId)).toEqual([sam]);
    expect(await recipients(high.deliveryId)).toEqual([]);
  });
});

describe('no alert', () => {
  it('for a promoter or a passive', async () => {
    const promoter = await invited({ owner: sam });
    const passive = await invited({ owner: sam });
    await send(promoter.token, { nps: '10' });
    await send(passive.token, { nps: '7' });
    expect(await t.db.query(`SELECT id FROM alerts`)).toHaveLength(0);
  });

  it('for an unconfirmed click or a partial save; only the confirming Send queues it', async () => {
    const d = await invited({ owner: sam });
    await request(t.app).get(`/r/${d.token}?score=1`).expect(200);
    await saveAsYouGo(d.token, { nps: '1', reason: 'Typing…' });
    expect(await alertsFor(d.deliveryId)).toEqual([]);
    await send(d.token, { nps: '1', reason: 'Done' });
    expect(await recipients(d.deliveryId)).toEqual([sam]);
  });

  it('a second time when the score changes later, even to another detractor score with another owner', async () => {
    const d = await invited({ owner: sam });
    await send(d.token, { nps: '5' });
    await t.db.execute(`UPDATE conversations SET owner_user_id = :me WHERE response_id = :id`, {
      me,
      id: await responseId(d.deliveryId),
    });
    await send(d.token, { nps: '2' });
    await saveAsYouGo(d.token, { nps: '1' });
    expect(await recipients(d.deliveryId)).toEqual([sam]);
  });

  it('when a score confirmed as happy is edited down later: the alert is decided once, at confirmation', async () => {
    const d = await invited({ owner: sam });
    await send(d.token, { nps: '9' });
    await send(d.token, { nps: '2' });
    expect(await alertsFor(d.deliveryId)).toEqual([]);
  });
});

describe('each teammate decides', () => {
  it('turns alerts off (and on) for themselves on the Team page; the unassigned answer then alerts the other admins only', async () => {
    let page = await agent.get('/team').expect(200);
    expect(page.text).toMatch(/data-testid="alerts-enabled" checked/);
    await submitForm(agent, '/team', '/team/alerts', {});
    page = await agent.get('/team?alerts=1').expect(200);
    expect(page.text).not.toMatch(/data-testid="alerts-enabled" checked/);
    expect(page.text).toContain('Alert setting saved.');

    const d = await invited();
    await send(d.token, { nps: '4' });
    expect(await recipients(d.deliveryId)).toEqual([alex]);
    const owned = await invited({ owner: me });
    await send(owned.token, { nps: '4' });
    expect(await recipients(owned.deliveryId)).toEqual([]);

    await submitForm(agent, '/team', '/team/alerts', { alertsEnabled: 'on' });
    expect((await agent.get('/team').expect(200)).text).toMatch(/data-testid="alerts-enabled" checked/);
  });

  it('the claim ends as suppressed an alert whose teammate opted out or left while it waited', async () => {
    const tim = await addUser(workspaceId, 'Tim Temp', 'tim@acme.test', 'member');
    const optedOut = await invited({ owner: sam });
    const left = await invited({ owner: tim });
    await send(optedOut.token, { nps: '2' });
    await send(left.token, { nps: '2' });
    await t.db.execute(`UPDATE users SET alerts_enabled = false WHERE id = :sam`, { sam });
    await t.db.execute(`DELETE FROM users WHERE id = :tim`, { tim });
    await graceOver();
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(0);
    const rows = await t.db.query<{ status: string; why: string }>(
      `SELECT status, last_error AS why FROM alerts ORDER BY last_error`,
    );
    expect(rows).toEqual([
      { status: 'suppressed', why: 'The teammate is no longer in the workspace; not sent.' },
      { status: 'suppressed', why: 'The teammate turned alerts off; not sent.' },
    ]);
  });
});

describe('the outbox rules', () => {
  it('a 451 is retried later; a 550 bounces the alert and never the contact it is about', async () => {
    const d = await invited({ owner: sam });
    await send(d.token, { nps: '2' });
    await graceOver();
    const relay = await refusingRelay(t, 451);
    const alert = async () =>
      (await t.db.one<{ status: string; attempts: number }>(`SELECT status, attempts FROM alerts`))!;
    try {
      await relay.worker.drainOnce();
      expect(await alert()).toEqual({ status: 'queued', attempts: 1 });
      relay.answerWith(550);
      await graceOver();
      await relay.worker.drainOnce();
      expect(await alert()).toEqual({ status: 'bounced', attempts: 2 });
      expect(
        (await t.db.one<{ status: string }>(`SELECT status FROM contacts WHERE id = :id`, { id: d.contactId }))!.status,
      ).toBe('subscribed');
    } finally {
      await relay.close();
    }
  });
});

describe('privacy and isolation', () => {
  it('erasing the contact deletes the alerts about them', async () => {
    const d = await invited({ owner: sam });
    await send(d.token, { nps: '2', reason: 'Call me on 555-0100' });
    await submitForm(agent, `/contacts/${d.contactId}`, `/contacts/${d.contactId}/erase`, { confirm: 'on' });
    expect(await t.db.query(`SELECT id FROM alerts`)).toHaveLength(0);
  });

  it("an unassigned answer in another workspace alerts only that workspace's owners and admins", async () => {
    const theirs = await seedWorkspace(t.db, { name: 'Other' });
    const eve = await addUser(theirs, 'Eve Owner', 'eve@other.test', 'owner');
    await addUser(theirs, 'Mo Member', 'mo@other.test', 'member');
    const theirSurvey = await seedSurvey(t.db, theirs, { questions: NPS_SURVEY });
    const there = await invited({ ws: theirs, survey: theirSurvey });
    const here = await invited();
    await send(there.token, { nps: '1' });
    await send(here.token, { nps: '1' });
    expect(await recipients(there.deliveryId)).toEqual([eve]);
    expect(await recipients(here.deliveryId)).toEqual([me, alex].sort());
    const crossed = await t.db.query(
      `SELECT a.id FROM alerts a JOIN users u ON u.id = a.user_id WHERE u.workspace_id <> a.workspace_id`,
    );
    expect(crossed).toHaveLength(0);
  });
});

describe('an alert that is no longer needed', () => {
  it('is not sent when someone replied to the conversation or closed it before the alert was due', async () => {
    const replied = await invited({ owner: sam });
    const closed = await invited({ owner: sam });
    await send(replied.token, { nps: '1' });
    await send(closed.token, { nps: '2' });
    const repliedId = await responseId(replied.deliveryId);
    const closedId = await responseId(closed.deliveryId);
    await submitForm(agent, `/inbox/${repliedId}`, `/inbox/${repliedId}/replies`, {
      body: 'I am sorry — what happened?',
    });
    await submitForm(agent, `/inbox/${closedId}`, `/inbox/${closedId}/close`, {});
    await graceOver();
    await t.worker.drainOnce();
    const to = (m: (typeof t.smtp.messages)[number]) => (Array.isArray(m.to) ? '' : m.to!.value[0]!.address);
    expect(t.smtp.messages.map(to)).not.toContain('sam@acme.test');
    const rows = await t.db.query<{ status: string; why: string }>(
      `SELECT status, last_error AS why FROM alerts ORDER BY last_error`,
    );
    expect(rows).toEqual([
      { status: 'suppressed', why: 'Someone replied before the alert was due; not sent.' },
      { status: 'suppressed', why: 'The conversation was closed before the alert was due; not sent.' },
    ]);
  });
});

describe('the inbox closes several conversations at once', () => {
  it('closes the ticked open ones of this workspace in one go, says how many, and keeps the view', async () => {
    const a = await invited({ owner: sam });
    const b = await invited({ owner: sam });
    const c = await invited({ owner: sam });
    for (const d of [a, b, c]) await send(d.token, { nps: '9', reason: 'Fine' });
    const [ida, idb, idc] = await Promise.all([a, b, c].map((d) => responseId(d.deliveryId)));
    const page = await agent.get('/inbox?status=open&owner=everyone').expect(200);
    expect(page.text).toContain(`name="ids" value="${ida}"`);
    const res = await agent
      .post('/inbox/close')
      .type('form')
      .send(
        `_csrf=${encodeURIComponent(csrfFrom(page.text))}&ids=${ida}&ids=${idb}&ids=00000000-0000-4000-8000-000000000000` +
          `&back=${encodeURIComponent('status=open&owner=everyone')}`,
      )
      .expect(303);
    expect(res.headers.location).toBe('/inbox?status=open&owner=everyone&closed=2');
    const after = await agent.get(res.headers.location!).expect(200);
    expect(after.text).toContain('Closed 2 conversations.');
    const statuses = await t.db.query<{ id: string; status: string }>(
      `SELECT response_id AS id, status FROM conversations WHERE response_id IN (:ids) ORDER BY status`,
      { ids: [ida, idb, idc] },
    );
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({
      [ida!]: 'closed',
      [idb!]: 'closed',
      [idc!]: 'open',
    });
    // Nothing ticked: refused with a message, nothing changed.
    const none = await agent
      .post('/inbox/close')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), back: '' })
      .expect(422);
    expect(none.text).toContain('Tick at least one answer to close');
  });
});
