import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { createDeliveryWorker } from '../../src/modules/delivery';
import { MAX_ATTEMPTS } from '../../src/modules/webhooks';
import { createLogger } from '../../src/platform/logger';
import { createTestApp, csrfFrom, PUBLIC_URL, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let receiver: Receiver;
let workspaceId: string;
let survey: string;

beforeAll(async () => {
  t = await createTestApp({ webhooksAllowPrivate: true });
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  survey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});
afterEach(async () => {
  await t.db.execute(`DELETE FROM webhook_endpoints`);
  await t.db.execute(`DELETE FROM webhook_events`);
  await t.db.execute(`DELETE FROM contacts`);
  await t.db.execute(`DELETE FROM responses`);
  receiver.received.length = 0;
  t.smtp.messages.length = 0;
});

type Signed = { type: string; timestamp: string; data: Record<string, unknown> };

const EVERYTHING = [
  'response.created',
  'response.confirmed',
  'response.updated',
  'conversation.replied',
  'conversation.closed',
  'contact.unsubscribed',
  'contact.bounced',
];

/** Adds an endpoint through the settings form, as an owner would; returns its id and the secret shown once. */
async function addEndpoint(fields: { url: string; events?: string[]; format?: string; description?: string }) {
  const page = await agent.get('/settings/webhooks').expect(200);
  const res = await agent
    .post('/settings/webhooks')
    .type('form')
    .send(
      new URLSearchParams([
        ['_csrf', csrfFrom(page.text)],
        ['url', fields.url],
        ['description', fields.description ?? ''],
        ['format', fields.format ?? 'standard'],
        ...(fields.events ?? EVERYTHING).map((e) => ['events', e]),
      ]).toString(),
    );
  const id = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_endpoints ORDER BY created_at DESC LIMIT 1`))?.id;
  const secret = /data-testid="webhook-secret"/.test(res.text) ? /value="(whsec_[^"]+)"/.exec(res.text)![1]! : null;
  return { id: id!, secret, res };
}

const send = (token: string, body: Record<string, string>) =>
  request(t.app).post(`/r/${token}`).type('form').send(body).expect(303);

const deliveries = () =>
  t.db.query<{ type: string; status: string; attempts: number; endpointId: string }>(
    `SELECT ev.type, d.status, d.attempts, d.endpoint_id AS "endpointId" FROM webhook_deliveries d
     JOIN webhook_events ev ON ev.id = d.event_id ORDER BY d.created_at, ev.type`,
  );
/** Retries wait (5 s, then minutes); the tests make them due instead of waiting. */
const retryNow = () => t.db.execute(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'queued'`);

describe('endpoint management', () => {
  it('an owner adds an endpoint; its secret is shown once and never again; the page lists it', async () => {
    const { id, secret, res } = await addEndpoint({ url: receiver.url(), description: 'CRM sync' });
    expect(res.status).toBe(200);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{44}$/);
    expect(res.text).toContain('shown this once');
    const stored = await t.db.one<{ secret_sealed: string }>(`SELECT secret_sealed FROM webhook_endpoints`);
    expect(stored!.secret_sealed).not.toContain(secret!.slice(6, 30));
    const list = await agent.get('/settings/webhooks').expect(200);
    expect(list.text).toContain(receiver.url());
    expect(list.text).toContain('CRM sync');
    const page = await agent.get(`/settings/webhooks/${id}`).expect(200);
    expect(page.text).not.toContain(secret!);
    expect(list.text).not.toContain(secret!);
  });

  it('refuses what cannot be a webhook URL, naming the field, and stores nothing', async () => {
    for (const [url, says] of [
      ['ftp://example.com/x', 'Only http:// and https://'],
      ['https://user:pw@example.com/x', 'Leave user names and passwords out'],
      ['not a url', 'Enter a full URL'],
      ['', 'Enter the URL'],
    ]) {
      const { res } = await addEndpoint({ url: url! });
      expect(res.status).toBe(422);
      expect(res.text).toContain(says!);
    }
    const none = await addEndpoint({ url: receiver.url(), events: [] });
    expect(none.res.status).toBe(422);
    expect(none.res.text).toContain('Choose at least one event.');
    expect(await t.db.query(`SELECT 1 FROM webhook_endpoints`)).toHaveLength(0);
  });

  it('a member sees the endpoints but cannot add, change or test one (403)', async () => {
    const { id } = await addEndpoint({ url: receiver.url() });
    await t.db.execute(
      `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:workspaceId, 'Mo', 'mo@acme.test', :hash, 'member')`,
      { workspaceId, hash: (await t.db.one<{ h: string }>(`SELECT password_hash AS h FROM users LIMIT 1`))!.h },
    );
    const member = request.agent(t.app);
    const login = await member.get('/login').expect(200);
    await member
      .post('/login')
      .type('form')
      .send({ email: 'mo@acme.test', password: 'correct horse battery', _csrf: csrfFrom(login.text) })
      .expect(303);
    const page = await member.get(`/settings/webhooks/${id}`).expect(200);
    expect(page.text).not.toContain('Send test event');
    await member
      .post(`/settings/webhooks/${id}/test`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(403);
    await member
      .post('/settings/webhooks')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), url: receiver.url(), format: 'standard', events: 'response.created' })
      .expect(403);
    expect(await t.db.query(`SELECT 1 FROM webhook_deliveries`)).toHaveLength(0);
    await t.db.execute(`DELETE FROM users WHERE email = 'mo@acme.test'`);
  });

  it('deleting an endpoint asks first, on a page saying its log goes and Disable keeps it; only its button deletes', async () => {
    const { id } = await addEndpoint({ url: receiver.url(), description: 'CRM sync' });
    const endpoint = (await agent.get(`/settings/webhooks/${id}`).expect(200)).text;
    expect(endpoint).toContain(`href="/settings/webhooks/${id}/delete"`);
    const asked = (await agent.get(`/settings/webhooks/${id}/delete`).expect(200)).text;
    expect(asked).toContain('Delete the endpoint CRM sync?');
    expect(asked).toContain('Its delivery log is deleted with it.');
    expect(asked).toContain('To stop events for a while and keep the log, Disable it instead.');
    // The old one-click form (no confirmation) comes back to the page, having deleted nothing.
    const unconfirmed = await submitForm(agent, `/settings/webhooks/${id}`, `/settings/webhooks/${id}/delete`, {});
    expect(unconfirmed.headers.location).toBe(`/settings/webhooks/${id}/delete`);
    expect(await t.db.query(`SELECT 1 FROM webhook_endpoints`)).toHaveLength(1);
    await submitForm(agent, `/settings/webhooks/${id}/delete`, `/settings/webhooks/${id}/delete`, { confirm: 'yes' });
    expect(await t.db.query(`SELECT 1 FROM webhook_endpoints`)).toHaveLength(0);
  });

  it("another workspace's endpoint is not found (404)", async () => {
    const other = await t.db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Other', 'O', 'x') RETURNING id`,
    );
    const e = await t.db.one<{ id: string }>(
      `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed) VALUES (:ws, 'https://example.com', '{response.created}', 'x') RETURNING id`,
      { ws: other!.id },
    );
    await agent.get(`/settings/webhooks/${e!.id}`).expect(404);
    await submitForm(agent, '/settings/webhooks', `/settings/webhooks/${e!.id}/disable`, {}, 404);
    expect(
      (await t.db.one<{ enabled: boolean }>(`SELECT enabled FROM webhook_endpoints WHERE id = :id`, e!))!.enabled,
    ).toBe(true);
    await t.db.execute(`DELETE FROM workspaces WHERE id = :id`, other!);
  });
});

describe('signed delivery', () => {
  it('an answer emits response.created and response.confirmed in its own transaction; the receiver verifies each with the standardwebhooks library', async () => {
    const { secret } = await addEndpoint({ url: receiver.url() });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey, { email: 'ada@example.com' });
    await send(d.token, { nps: '3', reason: 'Slow support' });
    // Queued by the answer's own statement: nothing else ran in between.
    expect((await deliveries()).map((x) => [x.type, x.status])).toEqual([
      ['response.confirmed', 'queued'],
      ['response.created', 'queued'],
    ]);

    await t.worker.drainOnce();
    expect(receiver.received).toHaveLength(2);
    const wh = new Webhook(secret!);
    const bodies = receiver.received.map((r) => {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      return wh.verify(r.body, r.headers as Record<string, string>) as Signed;
    });
    expect(bodies.map((b) => b.type).sort()).toEqual(['response.confirmed', 'response.created']);
    const confirmed = bodies.find((b) => b.type === 'response.confirmed')!;
    expect(confirmed.data).toMatchObject({
      score: 3,
      band: 'detractor',
      survey: { id: survey, title: 'How are we doing?' },
      contact: { email: 'ada@example.com', name: 'Pat' },
      answers: { nps: 3, reason: 'Slow support' },
    });
    expect(confirmed.data.completedAt).toBeTruthy();
    // A tampered body or a wrong secret does not verify.
    const r0 = receiver.received[0]!;
    expect(() => wh.verify(r0.body.replace('3', '9'), r0.headers as Record<string, string>)).toThrow();
    expect(() =>
      new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(
        r0.body,
        r0.headers as Record<string, string>,
      ),
    ).toThrow();
    expect((await deliveries()).every((x) => x.status === 'sent')).toBe(true);

    // Edits to the sent answer are response.updated; the log page shows each delivery with code and time.
    await send(d.token, { nps: '4', reason: 'Slow support' });
    await t.worker.drainOnce();
    expect(receiver.received).toHaveLength(3);
    expect(
      (wh.verify(receiver.received[2]!.body, receiver.received[2]!.headers as Record<string, string>) as Signed).type,
    ).toBe('response.updated');
  });

  it('a change that rolls back emits nothing; committed, it emits exactly one event', async () => {
    await addEndpoint({ url: receiver.url(), events: ['contact.unsubscribed'] });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await expect(
      t.db.transaction(async (tx) => {
        await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE id = :id`, { id: d.contactId }, tx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await deliveries()).toHaveLength(0);

    // The respondent's unsubscribe link.
    await request(t.app).post(`/r/${d.token}/unsubscribe`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect((await deliveries()).map((x) => x.type)).toEqual(['contact.unsubscribed']);
    await t.worker.drainOnce();
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      type: 'contact.unsubscribed',
      data: { id: d.contactId, status: 'unsubscribed' },
    });
  });

  it('a partial answer still being written is response.created once, then nothing until it is sent', async () => {
    await addEndpoint({ url: receiver.url(), events: ['response.created', 'response.updated', 'response.confirmed'] });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    const partial = (body: Record<string, string>) =>
      request(t.app)
        .post(`/r/${d.token}`)
        .set('Accept', 'application/json')
        .type('form')
        .send({ ...body, _partial: '1' })
        .expect(200);
    await partial({ nps: '8' });
    await partial({ nps: '8', reason: 'Go' });
    await partial({ nps: '8', reason: 'Good' });
    expect((await deliveries()).map((x) => x.type)).toEqual(['response.created']);
    await send(d.token, { nps: '8', reason: 'Good stuff' });
    expect((await deliveries()).map((x) => x.type)).toEqual(['response.created', 'response.confirmed']);
  });

  it('a reply and a close in the inbox are conversation.replied and conversation.closed', async () => {
    await addEndpoint({ url: receiver.url(), events: ['conversation.replied', 'conversation.closed'] });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await send(d.token, { nps: '2' });
    const responseId = (await t.db.one<{ id: string }>(`SELECT id FROM responses`))!.id;
    await submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/replies`, { body: 'So sorry, Pat.' });
    await submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/close`, {});
    await t.worker.drainOnce();
    const got = receiver.received.map((r) => JSON.parse(r.body)).sort((a, b) => a.type.localeCompare(b.type));
    expect(got.map((g) => g.type)).toEqual(['conversation.closed', 'conversation.replied']);
    expect(got[1].data).toMatchObject({
      id: responseId,
      reply: { body: 'So sorry, Pat.', author: { name: 'Valeria Ortiz' } },
    });
    expect(got[0].data).toMatchObject({ id: responseId, status: 'closed' });
  });

  it('"Send test event" reaches this endpoint only, signed; the log shows its code and time; "Resend" sends the same webhook-id again', async () => {
    const a = await addEndpoint({ url: receiver.url('/a') });
    await addEndpoint({ url: receiver.url('/b') });
    await submitForm(agent, `/settings/webhooks/${a.id}`, `/settings/webhooks/${a.id}/test`, {});
    await t.worker.drainOnce();
    expect(receiver.received.map((r) => r.path)).toEqual(['/a']);
    const first = receiver.received[0]!;
    expect(new Webhook(a.secret!).verify(first.body, first.headers as Record<string, string>)).toMatchObject({
      type: 'webhook.test',
    });

    const page = await agent.get(`/settings/webhooks/${a.id}`).expect(200);
    expect(page.text).toContain('webhook.test');
    expect(page.text).toMatch(/<td>200<\/td>\s*<td>\d+ ms<\/td>/);
    const deliveryId = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_deliveries`))!.id;
    await submitForm(
      agent,
      `/settings/webhooks/${a.id}`,
      `/settings/webhooks/${a.id}/deliveries/${deliveryId}/resend`,
      {},
    );
    await t.worker.drainOnce();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const detail = await agent.get(`/settings/webhooks/${a.id}/deliveries/${deliveryId}`).expect(200);
    expect(detail.text.match(/<td>200<\/td>/g)).toHaveLength(2);
  });

  it('after a rotation both secrets sign for a while, so a receiver holding either verifies', async () => {
    const { id, secret: old } = await addEndpoint({ url: receiver.url() });
    const page = await agent.get(`/settings/webhooks/${id}`).expect(200);
    const rotated = await agent
      .post(`/settings/webhooks/${id}/rotate`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(200);
    const fresh = /value="(whsec_[^"]+)"/.exec(rotated.text)![1]!;
    expect(fresh).not.toBe(old);
    await submitForm(agent, `/settings/webhooks/${id}`, `/settings/webhooks/${id}/test`, {});
    await t.worker.drainOnce();
    const r = receiver.received[0]!;
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(old!).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(fresh).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
  });
});

describe('retries, dead messages and disabling', () => {
  it('a receiver that fails 500 twice then accepts: one delivery, three attempts, each logged', async () => {
    const { id } = await addEndpoint({ url: receiver.url(), events: ['contact.bounced'] });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE id = :id`, { id: d.contactId });
    receiver.answer({ status: 500, body: 'database down' }, { status: 500, body: 'still down' });

    await t.worker.drainOnce();
    let [row] = await deliveries();
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    const wait = await t.db.one<{ s: number }>(
      `SELECT extract(epoch FROM next_attempt_at - now())::float8 AS s FROM webhook_deliveries`,
    );
    expect(wait!.s).toBeGreaterThan(2); // 5 s ± jitter: not hammered at once
    await retryNow();
    await t.worker.drainOnce();
    await retryNow();
    await t.worker.drainOnce();
    [row] = await deliveries();
    expect(row).toMatchObject({ status: 'sent', attempts: 3 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

    const deliveryId = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_deliveries`))!.id;
    const detail = await agent.get(`/settings/webhooks/${id}/deliveries/${deliveryId}`).expect(200);
    expect(detail.text.match(/<td>500<\/td>/g)).toHaveLength(2);
    expect(detail.text).toContain('database down');
    expect(detail.text.match(/<td>200<\/td>/g)).toHaveLength(1);
  });

  it('an endpoint answering 410 is disabled, its waiting messages are not sent, and every owner and admin is emailed', async () => {
    const { id } = await addEndpoint({ url: receiver.url(), events: ['contact.bounced'] });
    const a = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    const b = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE id = :id`, { id: a.contactId });
    receiver.answer({ status: 410, body: 'gone' });
    await t.worker.drainOnce();
    expect(receiver.received).toHaveLength(1);
    const endpoint = await t.db.one<{ enabled: boolean; disabled_reason: string }>(
      `SELECT enabled, disabled_reason FROM webhook_endpoints`,
    );
    expect(endpoint).toMatchObject({ enabled: false, disabled_reason: expect.stringContaining('410') });
    expect((await deliveries())[0]).toMatchObject({ status: 'failed', attempts: 1 });

    // Disabled: a new event is not even queued for it.
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE id = :id`, { id: b.contactId });
    expect(await deliveries()).toHaveLength(1);

    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(1);
    const mail = t.smtp.messages[0]!;
    expect(mail.subject).toBe(`A webhook endpoint was disabled: ${receiver.url()}`);
    expect(mail.text).toContain('410 Gone');
    expect(mail.text).toContain(`${PUBLIC_URL}/settings/webhooks/${id}`);
    const page = await agent.get(`/settings/webhooks/${id}`).expect(200);
    expect(page.text).toContain('410 Gone');
  });

  it('a receiver that hangs is cut off at the timeout and retried; the next attempt succeeds', async () => {
    await addEndpoint({ url: receiver.url(), events: ['contact.bounced'] });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE id = :id`, { id: d.contactId });
    receiver.answer('hang');
    const worker = createDeliveryWorker({
      db: t.db,
      transport: { send: () => Promise.reject(new Error('no mail here')), close: () => undefined, connections: 1 },
      sealer: t.sealer,
      log: createLogger('silent'),
      publicUrl: PUBLIC_URL,
      mailFrom: 'pulse@rapport.test',
      http: { allowPrivate: true, timeoutMs: 1000 },
    });
    await worker.drainOnce();
    const attempt = await t.db.one<{ error: string; status_code: number | null }>(
      `SELECT error, status_code FROM webhook_attempts`,
    );
    expect(attempt).toMatchObject({ status_code: null, error: expect.stringContaining('Timed out') });
    expect((await deliveries())[0]).toMatchObject({ status: 'queued', attempts: 1 });
    await worker.stop();
    // The retry goes through the app's own worker (its timeout is the default): on a busy machine an answering
    // receiver must not be cut off by the short timeout that made the hang quick to test.
    await retryNow();
    await t.worker.drainOnce();
    expect((await deliveries())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('after the last attempt the message is dead; an endpoint that took nothing since is disabled and the owners told', async () => {
    await addEndpoint({ url: receiver.url(), events: ['contact.bounced'] });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE id = :id`, { id: d.contactId });
    // As if seven attempts over the last day had failed already.
    await t.db.execute(`UPDATE webhook_deliveries SET attempts = :n, created_at = now() - interval '27 hours'`, {
      n: MAX_ATTEMPTS - 1,
    });
    receiver.answer({ status: 503 });
    await t.worker.drainOnce();
    expect((await deliveries())[0]).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    const endpoint = await t.db.one<{ enabled: boolean; disabled_reason: string }>(
      `SELECT enabled, disabled_reason FROM webhook_endpoints`,
    );
    expect(endpoint).toMatchObject({ enabled: false, disabled_reason: expect.stringContaining('about a day') });
    await t.worker.drainOnce();
    expect(t.smtp.messages.map((m) => m.subject)).toEqual([`A webhook endpoint was disabled: ${receiver.url()}`]);
  });
});

describe('many workers', () => {
  it('two worker instances draining at once deliver each event exactly once', async () => {
    await addEndpoint({ url: receiver.url(), events: ['contact.unsubscribed'] });
    const contacts = await Promise.all(
      Array.from({ length: 30 }, () => seedDelivery(t.db, t.sealer, workspaceId, survey)),
    );
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE id IN (:ids)`, {
      ids: contacts.map((c) => c.contactId),
    });
    const worker = () =>
      createDeliveryWorker({
        db: t.db,
        transport: { send: () => Promise.reject(new Error('no mail here')), close: () => undefined, connections: 1 },
        sealer: t.sealer,
        log: createLogger('silent'),
        publicUrl: PUBLIC_URL,
        mailFrom: 'pulse@rapport.test',
        http: { allowPrivate: true },
        batchSize: 5,
        concurrency: 3,
      });
    const [w1, w2] = [worker(), worker()];
    await Promise.all([w1.drainOnce(), w2.drainOnce()]);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    const contactIds = receiver.received.map((r) => JSON.parse(r.body).data.id).sort();
    expect(contactIds).toEqual(contacts.map((c) => c.contactId).sort());
    expect((await deliveries()).every((x) => x.status === 'sent')).toBe(true);
    await Promise.all([w1.stop(), w2.stop()]);
  });
});

describe('erasure', () => {
  it('erasing a contact deletes the events about them, with their deliveries and log', async () => {
    await addEndpoint({ url: receiver.url() });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await send(d.token, { nps: '9', reason: 'Lovely' });
    await t.worker.drainOnce();
    expect((await t.db.query(`SELECT 1 FROM webhook_events WHERE contact_id = :id`, { id: d.contactId })).length).toBe(
      2,
    );
    await submitForm(agent, `/contacts/${d.contactId}`, `/contacts/${d.contactId}/erase`, { confirm: 'on' });
    expect(await t.db.query(`SELECT 1 FROM contacts WHERE id = :id`, { id: d.contactId })).toHaveLength(0);
    const left = await t.db.query<{ payload: string }>(`SELECT payload::text FROM webhook_events`);
    for (const e of left) expect(e.payload).not.toContain('Lovely');
    expect((await t.db.query(`SELECT 1 FROM webhook_events WHERE contact_id = :id`, { id: d.contactId })).length).toBe(
      0,
    );
  });
});

describe('Slack', () => {
  it('an unhappy confirmed answer becomes a Block Kit message five minutes later, with the comment that followed, who, and the link', async () => {
    const { id, secret, res } = await addEndpoint({ url: receiver.url('/services/T0/B0/x'), format: 'slack' });
    expect(res.status).toBe(303); // no secret to show: Slack verifies nothing
    expect(secret).toBeNull();
    expect(res.headers.location).toBe(`/settings/webhooks/${id}?done=created`);

    const happy = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await send(happy.token, { nps: '10' });
    expect(await deliveries()).toHaveLength(0); // of answers, Slack hears only unhappy ones

    const d = await seedDelivery(t.db, t.sealer, workspaceId, survey);
    await t.db.execute(`UPDATE contacts SET name = 'Ada Lovelace' WHERE id = :id`, { id: d.contactId });
    await send(d.token, { nps: '3' });
    expect((await deliveries()).map((x) => x.type)).toEqual(['response.confirmed']);
    await t.worker.drainOnce();
    expect(receiver.received).toHaveLength(0); // not due yet: the comment usually follows the score
    await send(d.token, { nps: '3', _shown: 'help', help: 'Support never <answered> & I left @channel' });
    await t.db.execute(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'queued'`);
    await t.worker.drainOnce();

    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.path).toBe('/services/T0/B0/x');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-signature']).toBeUndefined();
    const responseId = (await t.db.one<{ id: string }>(`SELECT id FROM responses WHERE delivery_id = :id`, {
      id: d.deliveryId,
    }))!.id;
    expect(JSON.parse(got.body)).toEqual({
      text: "Ada Lovelace answered 3 to 'How are we doing?': 'Support never <answered> & I left @channel'",
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*Ada Lovelace* answered *3* to _How are we doing?_' } },
        { type: 'section', text: { type: 'mrkdwn', text: '> Support never &lt;answered&gt; &amp; I left @channel' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Open the conversation' },
              url: `${PUBLIC_URL}/inbox/${responseId}`,
            },
          ],
        },
      ],
    });
    expect((await deliveries())[0]).toMatchObject({ status: 'sent' });
  });

  it('a test event to a Slack endpoint is a plain message saying it is connected', async () => {
    const { id } = await addEndpoint({ url: receiver.url('/slack'), format: 'slack' });
    await submitForm(agent, `/settings/webhooks/${id}`, `/settings/webhooks/${id}/test`, {});
    await t.worker.drainOnce();
    expect(JSON.parse(receiver.received[0]!.body).text).toContain('Rapport is connected');
  });
});
