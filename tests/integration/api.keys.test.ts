import pg from 'pg';
import request from 'supertest';
import { inviteTeammate } from '../helpers/team';
import { buildApp } from '../../src/app';
import { createLogger } from '../../src/platform/logger';
import { createSealer } from '../../src/platform/tokens';
import {
  createSurvey,
  createTestApp,
  csrfFrom,
  PUBLIC_URL,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';
import { keyFor, keyFromSettings } from '../helpers/api';
import { checkAgainstDocument, recording } from '../helpers/openapi';
import { seedWorkspace } from '../factories/pulse';

let t: TestApp;
/** Every /api/v1 answer of this file, checked against the OpenAPI document at the end. */
let rec: ReturnType<typeof recording>;
let owner: Awaited<ReturnType<typeof signedInAgent>>;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp({ apiRateLimit: 1000 });
  rec = recording(t.app);
  owner = await signedInAgent(t.app);
  surveyId = await createSurvey(owner);
});
afterAll(() => t.close());

const api = () => request(rec.handler);
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `/api/v1/docs#${code}`, status });
  expect(typeof res.body.detail).toBe('string');
}

describe('the Settings page', () => {
  it('shows a new key once, keeps only its prefix, and the key works with Bearer and with HTTP Basic', async () => {
    const key = await keyFromSettings(owner, 'Helpdesk', ['read']);
    expect(key).toMatch(/^rk_[\w-]{8}_[\w-]{43}$/);
    const stored = await t.db.one<{ prefix: string; keyHash: Buffer }>(
      `SELECT prefix, key_hash AS "keyHash" FROM api_keys WHERE name = 'Helpdesk'`,
    );
    expect(stored!.prefix).toBe(key.slice(0, 11));
    expect(stored!.keyHash.toString('hex')).not.toContain(Buffer.from(key).toString('hex'));

    const page = await owner.get('/settings/api-keys').expect(200);
    expect(page.text).not.toContain(key);
    expect(page.text).toContain(`${key.slice(0, 11)}…`);
    expect(page.text).toMatch(/Helpdesk[\s\S]*never/);

    const viaBearer = await api().get('/api/v1/surveys').set(bearer(key)).expect(200);
    expect(viaBearer.body.data.map((s: { id: string }) => s.id)).toEqual([surveyId]);
    const basic = Buffer.from(`${key}:`).toString('base64');
    await api().get(`/api/v1/surveys/${surveyId}`).set('Authorization', `Basic ${basic}`).expect(200);

    const after = await owner.get('/settings/api-keys').expect(200);
    expect(after.text).toMatch(/Helpdesk[\s\S]*UTC<\/td>\s*<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  it('refuses a key without a name or scope, saying which', async () => {
    const page = await owner.get('/settings/api-keys').expect(200);
    const res = await owner
      .post('/settings/api-keys')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: '' })
      .expect(422);
    expect(res.text).toContain('Name the key');
    expect(res.text).toContain('Choose at least one');
  });

  it('revoking a key refuses its very next request', async () => {
    const key = await keyFromSettings(owner, 'Short-lived', ['read']);
    await api().get('/api/v1/surveys').set(bearer(key)).expect(200);
    const { id } = (await t.db.one<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'Short-lived'`))!;
    const revoke = `/settings/api-keys/${id}/revoke`;
    // Asked first, on a page: what stops working, and that it cannot come back.
    const asked = (await owner.get(revoke).expect(200)).text;
    expect(asked).toContain('Revoke the API key “Short-lived”?');
    expect(asked).toContain('is refused from its very next one (401)');
    expect(asked).toContain('A revoked key cannot be turned back on');
    // Without that page's confirmation (an old one-click form) nothing is revoked.
    const unconfirmed = await submitForm(owner, '/settings/api-keys', revoke, {});
    expect(unconfirmed.headers.location).toBe(revoke);
    await api().get('/api/v1/surveys').set(bearer(key)).expect(200);
    await submitForm(owner, revoke, revoke, { confirm: 'yes' });
    expect((await owner.get(revoke).expect(200)).text).toContain('This key is already revoked.');
    expectProblem(await api().get('/api/v1/surveys').set(bearer(key)), 401, 'invalid_key');
    expect((await owner.get('/settings/api-keys')).text).toMatch(/Short-lived[\s\S]*revoked/);
  });

  it('a member can neither see nor make keys', async () => {
    // A member joins as people do: invited, the link in the email followed.
    const member = await inviteTeammate(t, owner, {
      name: 'Mo Member',
      email: 'mo@acme.test',
      role: 'member',
      password: 'member password 1',
    });
    const page = await member.get('/settings/api-keys').expect(200);
    expect(page.text).toContain('Only an owner or admin');
    expect(page.text).not.toContain('Helpdesk');
    const res = await member
      .post('/settings/api-keys')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: 'Sneaky', scopes: 'write' });
    expect(res.status).toBe(403);
    expect(await t.db.one(`SELECT 1 AS x FROM api_keys WHERE name = 'Sneaky'`)).toBeUndefined();
  });
});

describe('authentication and refusals', () => {
  it('no key, a malformed key, an unknown key: 401 problems with a challenge', async () => {
    const none = await api().get('/api/v1/surveys');
    expectProblem(none, 401, 'unauthenticated');
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
    expectProblem(await api().get('/api/v1/surveys').set('Authorization', 'Bearer nope'), 401, 'invalid_key');
    const unknown = `rk_AAAAAAAA_${'A'.repeat(43)}`;
    expectProblem(await api().get('/api/v1/surveys').set(bearer(unknown)), 401, 'invalid_key');
    expectProblem(await api().get('/api/v1/surveys').set('Authorization', 'Basic !!!'), 401, 'unauthenticated');
  });

  it('a read key on a write: 403 insufficient_scope, nothing written', async () => {
    const key = await keyFromSettings(owner, 'Reader', ['read']);
    const res = await api().post('/api/v1/contacts').set(bearer(key)).send({ email: 'x@example.com' });
    expectProblem(res, 403, 'insufficient_scope');
    expect(await t.db.one(`SELECT 1 AS x FROM contacts WHERE email = 'x@example.com'`)).toBeUndefined();
  });

  it('bad input is a 4xx naming the field, never a 500', async () => {
    const key = await keyFromSettings(owner, 'Writer', ['read', 'write']);
    const bad = await api().post('/api/v1/contacts').set(bearer(key)).send({ email: 'not an email', locale: 'xx' });
    expectProblem(bad, 422, 'invalid');
    expect(bad.body.field).toBe('email');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'locale']);

    const props = await api()
      .post('/api/v1/contacts')
      .set(bearer(key))
      .send({ email: 'a@example.com', properties: { 'bad/key': 'x' } });
    expectProblem(props, 422, 'invalid');
    expect(props.body.field).toMatch(/^properties/);

    const json = await api()
      .post('/api/v1/contacts')
      .set(bearer(key))
      .set('Content-Type', 'application/json')
      .send('{"email": ');
    expectProblem(json, 400, 'malformed_json');
    expectProblem(await api().get('/api/v1/contacts/not-a-uuid').set(bearer(key)), 404, 'not_found');
    expectProblem(await api().get('/api/v1/nothing-here').set(bearer(key)), 404, 'not_found');
    expectProblem(await api().get('/api/v1/contacts?status=happy').set(bearer(key)), 422, 'invalid');
    expectProblem(await api().get('/api/v1/contacts?cursor=garbage').set(bearer(key)), 422, 'invalid');
    const big = await api()
      .post('/api/v1/contacts')
      .set(bearer(key))
      .send({ email: 'b@example.com', name: 'x'.repeat(2_000_000) });
    expectProblem(big, 413, 'too_large');
  });

  it("another workspace's key sees none of this workspace's data: its ids are 404", async () => {
    const other = await seedWorkspace(t.db, { contacts: 1, name: 'Other' });
    const otherKey = await keyFor(t.db, other.workspaceId, other.userId);
    const mine = await keyFromSettings(owner, 'Mine', ['read', 'write']);
    const contact = (
      await api().post('/api/v1/contacts').set(bearer(mine)).send({ email: 'only-mine@example.com' }).expect(201)
    ).body;

    expectProblem(await api().get(`/api/v1/surveys/${surveyId}`).set(bearer(otherKey)), 404, 'not_found');
    expectProblem(await api().get(`/api/v1/contacts/${contact.id}`).set(bearer(otherKey)), 404, 'not_found');
    expectProblem(await api().delete(`/api/v1/contacts/${contact.id}`).set(bearer(otherKey)), 404, 'not_found');
    expectProblem(await api().post(`/api/v1/contacts/${contact.id}/erase`).set(bearer(otherKey)), 404, 'not_found');
    const theirs = await api().get('/api/v1/surveys').set(bearer(otherKey)).expect(200);
    expect(theirs.body.data.map((s: { id: string }) => s.id)).toEqual([other.surveyId]);
    const theirContacts = await api().get('/api/v1/contacts').set(bearer(otherKey)).expect(200);
    expect(theirContacts.body.data.map((c: { email: string }) => c.email)).not.toContain('only-mine@example.com');
    // Same email in the other workspace is another contact altogether.
    const twin = await api()
      .post('/api/v1/contacts')
      .set(bearer(otherKey))
      .send({ email: 'only-mine@example.com' })
      .expect(201);
    expect(twin.body.id).not.toBe(contact.id);
    await api().get(`/api/v1/contacts/${contact.id}`).set(bearer(mine)).expect(200);
  });
});

describe('rate limit', () => {
  it('is per key and counted in PostgreSQL: two instances share it; over it, 429 with Retry-After', async () => {
    const log = createLogger('silent');
    const sessionPool = new pg.Pool({ connectionString: t.databaseUrl, max: 1 });
    const instance = () =>
      buildApp({
        config: { publicUrl: PUBLIC_URL, trustProxy: false, apiRateLimit: 3 },
        db: t.db,
        sessionPool,
        log,
        secretKey: 'rate-limit-test-secret-key-long-enough',
        sealer: createSealer('rate-limit-test-secret-key-long-enough'),
        mailboxEnabled: false,
        onQueued: () => undefined,
      });
    try {
      const [a, b] = [instance(), instance()];
      const calm = await keyFromSettings(owner, 'Calm', ['read']);
      // Windows are fixed minutes: a run that straddles a minute's end counts in two windows and proves nothing,
      // so it is told apart (by the counters' own windows) and run again with a fresh key.
      for (let attempt = 1; ; attempt++) {
        const key = await keyFromSettings(owner, `Busy ${attempt}`, ['read']);
        const keyId = (await t.db.one<{ id: string }>(`SELECT id FROM api_keys WHERE name = :name`, {
          name: `Busy ${attempt}`,
        }))!.id;
        const answers: request.Response[] = [];
        for (const app of [a, b, a, b]) answers.push(await request(app).get('/api/v1/surveys').set(bearer(key)));
        const windows = await t.db.query<{ hits: number }>(`SELECT hits FROM rate_limit_hits WHERE key = :k`, {
          k: `api-key:${keyId}`,
        });
        if (windows.length > 1 && attempt < 3) continue;
        expect(windows).toEqual([{ hits: 4 }]);
        expect(answers.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
        const over = answers[3]!;
        expectProblem(over, 429, 'rate_limited');
        expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
        break;
      }
      // Another key has its own budget.
      await request(a).get('/api/v1/surveys').set(bearer(calm)).expect(200);
    } finally {
      await sessionPool.end();
    }
  });
});

it('every /api/v1 answer above matches the OpenAPI document (path, status, content type, body)', async () => {
  const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body;
  expect(rec.seen.length).toBeGreaterThan(10);
  expect(checkAgainstDocument(doc, rec.seen)).toEqual([]);
});
