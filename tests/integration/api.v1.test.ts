import request from 'supertest';
import { createLogger } from '../../src/platform/logger';
import { createPulseEngine } from '../../src/modules/schedules';
import { createSurvey, createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { keyFor, keyFromSettings } from '../helpers/api';
import { checkAgainstDocument, recording } from '../helpers/openapi';
import { addContacts, seedWorkspace } from '../factories/pulse';

let t: TestApp;
/** Every /api/v1 answer of this file, checked against the OpenAPI document at the end. */
let rec: ReturnType<typeof recording>;
let key: string;
let surveyId: string;
let workspaceId: string;

beforeAll(async () => {
  t = await createTestApp({ apiRateLimit: 10_000 });
  rec = recording(t.app);
  const owner = await signedInAgent(t.app);
  surveyId = await createSurvey(owner);
  key = await keyFromSettings(owner, 'Helpdesk', ['read', 'write']);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces WHERE name = 'Acme'`))!.id;
});
afterAll(() => t.close());

const auth = { Authorization: '' };
const as = (k = key) => ({ Authorization: `Bearer ${k}` });
void auth;
const get = (path: string, k?: string) => request(rec.handler).get(path).set(as(k));
const post = (path: string, body: object, k?: string) => request(rec.handler).post(path).set(as(k)).send(body);

/** The links in the latest email to this address, as the respondent would click them. */
function tokenInMailTo(email: string) {
  const mail = [...t.smtp.messages].reverse().find((m) => (m.to as { text: string }).text.includes(email));
  if (!mail) throw new Error(`No mail to ${email}`);
  return { mail, token: /\/r\/([\w-]{43})\?score=/.exec(mail.html as string)![1]! };
}

describe('contacts', () => {
  it('upserts by email: made (201), then updated (200) keeping what was left out and merging properties', async () => {
    const made = await post('/api/v1/contacts', {
      email: 'Ana@Example.com',
      name: 'Ana',
      locale: 'fr',
      tags: ['VIP', 'beta'],
      properties: { plan: 'pro', seats: 12 },
    }).expect(201);
    expect(made.body).toMatchObject({
      email: 'ana@example.com',
      name: 'Ana',
      locale: 'fr',
      tags: ['vip', 'beta'],
      properties: { plan: 'pro', seats: '12' },
      status: 'subscribed',
    });
    const updated = await post('/api/v1/contacts', {
      email: 'ana@example.com',
      locale: null,
      properties: { region: 'EU' },
    }).expect(200);
    expect(updated.body).toMatchObject({
      id: made.body.id,
      name: 'Ana',
      locale: null,
      tags: ['vip', 'beta'],
      properties: { plan: 'pro', seats: '12', region: 'EU' },
    });
    const owner = await post('/api/v1/contacts', {
      email: 'ana@example.com',
      ownerId: '00000000-0000-4000-8000-000000000000',
    }).expect(422);
    expect(owner.body.field).toBe('ownerId');
    expect((await get(`/api/v1/contacts/${made.body.id}`).expect(200)).body.name).toBe('Ana');
  });

  it('lists with a cursor (every contact once), and filters by tag, status and email', async () => {
    await addContacts(t.db, workspaceId, 60, 'bulk');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await get(`/api/v1/contacts${cursor ? `?cursor=${cursor}` : ''}`).expect(200);
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    const total = (await t.db.one<{ n: number }>(
      `SELECT count(*) AS n FROM contacts WHERE workspace_id = :workspaceId`,
      { workspaceId },
    ))!.n;
    expect(pages).toBe(2);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);

    const vip = await get('/api/v1/contacts?tag=vip').expect(200);
    expect(vip.body.data.map((c: { email: string }) => c.email)).toEqual(['ana@example.com']);
    const byEmail = await get('/api/v1/contacts?email=ANA@example.com').expect(200);
    expect(byEmail.body.data).toHaveLength(1);
    expect((await get('/api/v1/contacts?status=unsubscribed').expect(200)).body.data).toEqual([]);
  });

  it('unsubscribe, delete and erase go through the contacts module (suppression kept)', async () => {
    const a = (await post('/api/v1/contacts', { email: 'leaving@example.com' }).expect(201)).body;
    expect((await post(`/api/v1/contacts/${a.id}/unsubscribe`, {}).expect(200)).body.status).toBe('unsubscribed');
    expect(
      (await get('/api/v1/contacts?status=unsubscribed').expect(200)).body.data.map((c: { id: string }) => c.id),
    ).toEqual([a.id]);
    // Adding them again never re-subscribes them.
    expect((await post('/api/v1/contacts', { email: 'leaving@example.com', name: 'L' }).expect(200)).body.status).toBe(
      'unsubscribed',
    );

    await request(rec.handler).delete(`/api/v1/contacts/${a.id}`).set(as()).expect(204);
    await get(`/api/v1/contacts/${a.id}`).expect(404);
    const again = (await post('/api/v1/contacts', { email: 'leaving@example.com' }).expect(201)).body;
    expect(again.status).toBe('unsubscribed');

    const b = (await post('/api/v1/contacts', { email: 'forget-me@example.com' }).expect(201)).body;
    await post(`/api/v1/contacts/${b.id}/erase`, {}).expect(204);
    await get(`/api/v1/contacts/${b.id}`).expect(404);
    const suppressed = await t.db.one<{ reason: string }>(
      `SELECT reason FROM suppressions WHERE workspace_id = :workspaceId AND email_hash = rapport_email_hash(:workspaceId, 'forget-me@example.com')`,
      { workspaceId },
    );
    expect(suppressed!.reason).toBe('erased');
  });
});

describe('event-triggered invitations', () => {
  it('queues an invitation the SMTP server receives; the answer records which event asked', async () => {
    const res = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'rita@example.com', name: 'Rita', properties: { plan: 'team' } },
      event: 'ticket.solved',
      properties: { ticket: 'T-1042', agent: 'Sam' },
    }).expect(201);
    expect(res.body).toMatchObject({
      outcome: 'queued',
      invitation: { status: 'queued', sentAt: null },
      survey: { id: surveyId, version: 1 },
      contact: { email: 'rita@example.com', name: 'Rita', properties: { plan: 'team' } },
      event: 'ticket.solved',
      properties: { ticket: 'T-1042', agent: 'Sam' },
    });
    await t.worker.drainOnce();
    const { mail, token } = tokenInMailTo('rita@example.com');
    expect(mail.subject).toBeTruthy();

    await request(rec.handler).post(`/r/${token}`).type('form').send({ nps: '3', reason: 'Slow answer' }).expect(303);
    const answers = await get(`/api/v1/responses?surveyId=${surveyId}`).expect(200);
    expect(answers.body.data).toEqual([
      expect.objectContaining({
        score: 3,
        band: 'detractor',
        comment: 'Slow answer',
        contact: { id: res.body.contact.id, email: 'rita@example.com', name: 'Rita' },
        invitation: {
          id: res.body.invitation.id,
          kind: 'event',
          event: 'ticket.solved',
          properties: { ticket: 'T-1042', agent: 'Sam' },
        },
      }),
    ]);
  });

  it('the throttle and suppression apply as to any wave: a second ask is throttled, an unsubscribed contact is not asked', async () => {
    const again = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'rita@example.com' },
    }).expect(200);
    expect(again.body).toMatchObject({ outcome: 'throttled', invitation: null });
    const gone = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'leaving@example.com' },
    }).expect(200);
    expect(gone.body).toMatchObject({ outcome: 'suppressed', invitation: null });
  });

  it('a delay holds it back until its time; a cancel before then means it never leaves', async () => {
    await t.db.execute(`UPDATE workspaces SET throttle_days = 0 WHERE id = :workspaceId`, { workspaceId });
    const sent = t.smtp.messages.length;
    const later = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'later@example.com' },
      event: 'order.delivered',
      delaySeconds: 7200,
    }).expect(201);
    const wait = (Date.parse(later.body.invitation.sendAt) - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(7000);
    expect(wait).toBeLessThanOrEqual(7200);
    await t.worker.drainOnce();
    expect(t.smtp.messages.length).toBe(sent);
    // Two hours pass.
    await t.db.execute(`UPDATE deliveries SET next_attempt_at = now() WHERE id = :id`, {
      id: later.body.invitation.id,
    });
    await t.worker.drainOnce();
    expect(t.smtp.messages.length).toBe(sent + 1);
    tokenInMailTo('later@example.com');

    const called = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'cancel@example.com' },
      delaySeconds: 3600,
    }).expect(201);
    const cancelled = await request(rec.handler)
      .delete(`/api/v1/contacts/${called.body.contact.id}/invitations/pending`)
      .set(as())
      .expect(200);
    expect(cancelled.body).toEqual({ invitations: 1, reminders: 0 });
    await t.db.execute(`UPDATE deliveries SET next_attempt_at = now() WHERE id = :id`, {
      id: called.body.invitation.id,
    });
    await t.worker.drainOnce();
    expect(t.smtp.messages.length).toBe(sent + 1);
    const row = await t.db.one<{ status: string }>(`SELECT status FROM deliveries WHERE id = :id`, {
      id: called.body.invitation.id,
    });
    expect(row!.status).toBe('cancelled');
  });

  it("reminders go out like a wave's: one, days after the invitation, to someone who has not answered", async () => {
    const res = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'quiet@example.com' },
      reminders: { count: 1, days: 2 },
    }).expect(201);
    await t.worker.drainOnce();
    const first = tokenInMailTo('quiet@example.com');
    const engine = createPulseEngine({
      db: t.db,
      sealer: t.sealer,
      log: createLogger('silent'),
      graceMs: 3_600_000,
      onQueued: () => undefined,
    });
    await engine.runDue(new Date(Date.now() + 3 * 86_400_000));
    await t.worker.drainOnce();
    const reminder = tokenInMailTo('quiet@example.com');
    expect(reminder.mail.messageId).toBe(`<delivery-${res.body.invitation.id}.reminder-1@rapport.test>`);
    expect(reminder.token).toBe(first.token);
  });

  it('refuses bad input whole: nothing is created', async () => {
    const before = await t.db.one<{ c: number; w: number }>(
      `SELECT (SELECT count(*) FROM contacts) AS c, (SELECT count(*) FROM waves) AS w`,
    );
    const bad = await post(`/api/v1/surveys/${surveyId}/invitations`, {
      contact: { email: 'new@example.com' },
      delaySeconds: -5,
    }).expect(422);
    expect(bad.body.field).toBe('delaySeconds');
    const noContact = await post(`/api/v1/surveys/${surveyId}/invitations`, { event: 'x' }).expect(422);
    expect(noContact.body.field).toBe('contact');
    await post('/api/v1/surveys/00000000-0000-4000-8000-000000000000/invitations', {
      contact: { email: 'new@example.com' },
    }).expect(404);
    const archived = await t.db.one<{ id: string }>(
      `INSERT INTO surveys (workspace_id, title, template, status) VALUES (:workspaceId, 'Old', 'custom', 'archived') RETURNING id`,
      { workspaceId },
    );
    await t.db.execute(
      `INSERT INTO survey_versions (survey_id, version, questions) SELECT :id, 1, questions FROM survey_versions WHERE survey_id = :s`,
      {
        id: archived!.id,
        s: surveyId,
      },
    );
    const closed = await post(`/api/v1/surveys/${archived!.id}/invitations`, {
      contact: { email: 'new@example.com' },
    }).expect(409);
    expect(closed.body.type).toBe('/api/v1/docs#conflict');
    const after = await t.db.one<{ c: number; w: number }>(
      `SELECT (SELECT count(*) FROM contacts) AS c, (SELECT count(*) FROM waves) AS w`,
    );
    expect(after).toEqual(before);
  });
});

describe('Idempotency-Key', () => {
  const body = { contact: { email: 'once@example.com' }, event: 'signup.30d', delaySeconds: 60 };
  const send = (k: string, b: object = body) =>
    request(rec.handler).post(`/api/v1/surveys/${surveyId}/invitations`).set(as()).set('Idempotency-Key', k).send(b);
  const deliveriesTo = async (email: string) =>
    (await t.db.one<{ n: number }>(
      `SELECT count(*) AS n FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email = :email`,
      { email },
    ))!.n;

  it('a retry returns the first result and creates nothing new', async () => {
    const first = await send('retry-1').expect(201);
    const second = await send('retry-1').expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await deliveriesTo('once@example.com')).toBe(1);
  });

  it('concurrent duplicates: one invitation, every caller the same answer', async () => {
    const b = { ...body, contact: { email: 'burst@example.com' } };
    const all = await Promise.all(Array.from({ length: 6 }, () => send('burst-1', b)));
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(all.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await deliveriesTo('burst@example.com')).toBe(1);
  });

  it('the same key with another request is refused; a refused request is not kept', async () => {
    const reused = await send('retry-1', { ...body, event: 'other' }).expect(422);
    expect(reused.body.type).toBe('/api/v1/docs#idempotency_key_reused');
    await send('fix-1', { ...body, delaySeconds: 'soon' }).expect(422);
    await send('fix-1', { ...body, contact: { email: 'fixed@example.com' } }).expect(201);
    await request(rec.handler)
      .post('/api/v1/contacts')
      .set(as())
      .set('Idempotency-Key', 'x'.repeat(300))
      .send({ email: 'k@example.com' })
      .expect(422);
  });
});

describe('responses and metrics', () => {
  it('filters by band, time and change, pages by cursor, and the metrics match a count by hand', async () => {
    // Three more answers through real links: 10, 9, 7 (plus Rita's 3): NPS = (2 - 1) / 4 = +25.
    for (const [email, score] of [
      ['p1@example.com', '10'],
      ['p2@example.com', '9'],
      ['p3@example.com', '7'],
    ] as const) {
      await post(`/api/v1/surveys/${surveyId}/invitations`, { contact: { email } }).expect(201);
      await t.worker.drainOnce();
      await request(rec.handler)
        .post(`/r/${tokenInMailTo(email).token}`)
        .type('form')
        .send({ nps: score })
        .expect(303);
    }
    const all = await get(`/api/v1/responses?surveyId=${surveyId}`).expect(200);
    expect(all.body.data.map((r: { score: number }) => r.score)).toEqual([3, 10, 9, 7]);
    const promoters = await get('/api/v1/responses?band=promoter').expect(200);
    expect(promoters.body.data.map((r: { score: number }) => r.score)).toEqual([10, 9]);
    expect(
      (await get('/api/v1/responses?band=detractor,passive&order=desc').expect(200)).body.data.map(
        (r: { score: number }) => r.score,
      ),
    ).toEqual([7, 3]);

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await get(`/api/v1/responses?limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(
        200,
      );
      paged.push(...res.body.data.map((r: { score: number }) => r.score));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual([3, 10, 9, 7]);

    const third = all.body.data[2];
    const since = await get(`/api/v1/responses?since=${encodeURIComponent(third.submittedAt)}`).expect(200);
    expect(since.body.data.map((r: { score: number }) => r.score)).toEqual([9, 7]);
    const until = await get(`/api/v1/responses?until=${encodeURIComponent(third.submittedAt)}`).expect(200);
    expect(until.body.data.map((r: { score: number }) => r.score)).toEqual([3, 10]);

    // Incremental sync: Rita changes her answer; only that change is new since the last sync.
    const mark = new Date().toISOString();
    const rita = tokenInMailTo('rita@example.com').token;
    await request(rec.handler).post(`/r/${rita}`).type('form').send({ nps: '6', reason: 'Better now' }).expect(303);
    const changed = await get(`/api/v1/responses?updatedSince=${encodeURIComponent(mark)}`).expect(200);
    expect(changed.body.data.map((r: { score: number }) => r.score)).toEqual([6]);

    const metrics = await get(`/api/v1/surveys/${surveyId}/metrics`).expect(200);
    expect(metrics.body.responses).toBe(4);
    const nps = metrics.body.questions.find((q: { type: string }) => q.type === 'nps');
    expect(nps.bands).toEqual({ promoters: 2, passives: 1, detractors: 1 });
    expect(nps.headline.value).toBeCloseTo(25, 5);
    expect(nps.headline.n).toBe(4);
    const reason = metrics.body.questions.find((q: { type: string }) => q.type === 'long_text');
    expect(reason.answered).toBe(1);
    const future = await get(`/api/v1/surveys/${surveyId}/metrics?from=2999-01-01`).expect(200);
    expect(future.body.responses).toBe(0);
    expect((await get(`/api/v1/surveys/${surveyId}/metrics?from=2026-02-30`).expect(422)).body.field).toBe('from');
    expect((await get('/api/v1/responses?band=great').expect(422)).body.field).toBe('band');
    expect((await get('/api/v1/responses?since=yesterday').expect(422)).body.field).toBe('since');
  });

  it("another workspace's key sees none of it", async () => {
    const other = await seedWorkspace(t.db, { contacts: 0, name: 'Other' });
    const otherKey = await keyFor(t.db, other.workspaceId, other.userId);
    expect((await get('/api/v1/responses', otherKey).expect(200)).body.data).toEqual([]);
    await get(`/api/v1/responses?surveyId=${surveyId}`, otherKey).expect(404);
    await get(`/api/v1/surveys/${surveyId}/metrics`, otherKey).expect(404);
    const before = (await t.db.one<{ n: number }>(`SELECT count(*) AS n FROM contacts`))!.n;
    await post(
      `/api/v1/surveys/${surveyId}/invitations`,
      { contact: { email: 'intruder@example.com' } },
      otherKey,
    ).expect(404);
    expect((await t.db.one<{ n: number }>(`SELECT count(*) AS n FROM contacts`))!.n).toBe(before);
    const rita = (await get('/api/v1/contacts?email=rita@example.com').expect(200)).body.data[0];
    await request(rec.handler).delete(`/api/v1/contacts/${rita.id}/invitations/pending`).set(as(otherKey)).expect(404);
  });
});

it('every /api/v1 answer above matches the OpenAPI document (path, status, content type, body)', async () => {
  const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body;
  expect(rec.seen.length).toBeGreaterThan(10);
  expect(checkAgainstDocument(doc, rec.seen)).toEqual([]);
});
