import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  createTestApp,
  createSurvey,
  refusingRelay,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';
import { keyFor, keyFromSettings } from '../helpers/api';
import { seedWorkspace } from '../factories/pulse';

// The official client, unmodified (CommonJS, no types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Delighted = require('delighted') as new (key: string, o: object) => DelightedClient;

type Thenable<T> = PromiseLike<T>;
type Person = { id: string; email: string; name: string | null; survey_scheduled_at: number | null };
type SurveyResponse = {
  id: string;
  person: string | { id: string; email: string };
  score: number;
  comment: string | null;
  created_at: number;
  updated_at: number;
  person_properties: Record<string, string>;
  survey_type: string;
};
type DelightedClient = {
  person: { create(p: object): Thenable<Person>; delete(id: object): Thenable<{ ok: boolean }> };
  surveyRequest: { deletePending(p: { person_email: string }): Thenable<{ ok: boolean }> };
  surveyResponse: { all(p?: object): Thenable<SurveyResponse[]>; create(p: object): Thenable<SurveyResponse> };
  metrics: { retrieve(p?: object): Thenable<Record<string, number>> };
  unsubscribe: {
    create(p: object): Thenable<{ ok: boolean }>;
    all(p?: object): Thenable<{ person_id: string; email: string; unsubscribed_at: number }[]>;
  };
  bounce: { all(p?: object): Thenable<{ person_id: string; email: string; bounced_at: number }[]> };
};

let t: TestApp;
let server: http.Server;
let port: number;
let key: string;
let surveyId: string;
let delighted: DelightedClient;

beforeAll(async () => {
  t = await createTestApp({ apiRateLimit: 10_000 });
  const owner = await signedInAgent(t.app);
  await createSurvey(owner, 'what-do-you-think').catch(() => undefined);
  surveyId = await createSurvey(owner);
  key = await keyFromSettings(owner, 'Delighted migration', ['read', 'write']);
  // A running Rapport: the client speaks plain HTTP to a real port.
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  delighted = new Delighted(key, { host: '127.0.0.1', port, scheme: 'http', base: '/v1' });
  // The Settings choice: this survey is the one /v1 speaks of.
  await submitForm(owner, '/settings/api-keys', '/settings/api-keys/delighted', { surveyId });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

const tokenFor = (email: string) => {
  const mail = [...t.smtp.messages].reverse().find((m) => (m.to as { text: string }).text.includes(email));
  if (!mail) throw new Error(`no mail to ${email}`);
  return /\/r\/([\w-]{43})\?score=/.exec(mail.html as string)![1]!;
};

it('the official client: people.create → the invitation arrives → the answer → surveyResponse.all, metrics, unsubscribe, bounces', async () => {
  const before = Math.floor(Date.now() / 1000);
  const person = await delighted.person.create({
    email: 'jony@example.com',
    name: 'Jony',
    properties: { customer_id: 123, country: 'USA', locale: 'fr' },
  });
  expect(person).toMatchObject({ email: 'jony@example.com', name: 'Jony' });
  expect(person.survey_scheduled_at).toBeGreaterThanOrEqual(before - 1);
  await t.worker.drainOnce();
  const token = tokenFor('jony@example.com');
  await request(t.app).post(`/r/${token}`).type('form').send({ nps: '9', reason: 'Très bien' }).expect(303);

  const responses = await delighted.surveyResponse.all({ expand: ['person'] });
  expect(responses).toHaveLength(1);
  expect(responses[0]).toMatchObject({
    survey_type: 'nps',
    score: 9,
    comment: 'Très bien',
    person_properties: { customer_id: '123', country: 'USA' },
  });
  expect(responses[0]!.created_at).toBeGreaterThanOrEqual(before - 1);
  expect(responses[0]!.person).toBe(person.id);

  // A second person, a detractor: NPS = (1 - 1) / 2 = 0.
  await delighted.person.create({ email: 'sam@example.com' });
  await t.worker.drainOnce();
  await request(t.app)
    .post(`/r/${tokenFor('sam@example.com')}`)
    .type('form')
    .send({ nps: '2' })
    .expect(303);
  const metrics = await delighted.metrics.retrieve();
  expect(JSON.parse(JSON.stringify(metrics))).toEqual({
    nps: 0,
    promoter_count: 1,
    promoter_percent: 50,
    passive_count: 0,
    passive_percent: 0,
    detractor_count: 1,
    detractor_percent: 50,
    response_count: 2,
  });
  const recent = await delighted.surveyResponse.all({ per_page: 1, order: 'desc' });
  expect(recent.map((r) => r.score)).toEqual([2]);
  const page2 = await delighted.surveyResponse.all({ per_page: 1, page: 2, order: 'desc' });
  expect(page2.map((r) => r.score)).toEqual([9]);
  expect(await delighted.surveyResponse.all({ since: new Date(Date.now() + 3_600_000) })).toEqual([]);

  expect(await delighted.unsubscribe.create({ person_email: 'sam@example.com' })).toMatchObject({ ok: true });
  const unsubscribed = await delighted.unsubscribe.all();
  expect(unsubscribed.map((u) => u.email)).toEqual(['sam@example.com']);
  expect(unsubscribed[0]!.unsubscribed_at).toBeGreaterThanOrEqual(before - 1);
  // Unsubscribed: a new people.create schedules nothing.
  expect((await delighted.person.create({ email: 'sam@example.com' })).survey_scheduled_at).toBeNull();

  // A real hard bounce from the relay.
  await delighted.person.create({ email: 'nobody@example.com' });
  const relay = await refusingRelay(t, 550);
  try {
    await relay.worker.drainOnce();
  } finally {
    await relay.close();
  }
  const bounces = await delighted.bounce.all();
  expect(bounces.map((b) => b.email)).toEqual(['nobody@example.com']);
});

it('surveyResponse.create: an answer collected elsewhere is an answer at once; one dated days back is history', async () => {
  const person = await delighted.person.create({ email: 'kiosk@example.com', name: 'Kim', send: false });
  const before = Math.floor(Date.now() / 1000);
  const live = await delighted.surveyResponse.create({
    person: person.id,
    score: 3,
    comment: 'The queue was too long',
    person_properties: { store: 'Lyon', visits: 4 },
  });
  expect(live).toMatchObject({
    person: person.id,
    survey_type: 'nps',
    score: 3,
    comment: 'The queue was too long',
    person_properties: { store: 'Lyon', visits: '4' },
    notes: [],
  });
  expect(live.created_at).toBeGreaterThanOrEqual(before - 1);
  const state = (id: string) =>
    t.db.one<{ status: string; imported: boolean; alerts: number; band: string }>(
      `SELECT cv.status, cv.band, r.imported_at IS NOT NULL AS imported,
         (SELECT count(*)::int FROM alerts a WHERE a.response_id = r.id) AS alerts
       FROM responses r JOIN conversations cv ON cv.response_id = r.id WHERE r.id = :id`,
      { id },
    );
  // A detractor today: open in the inbox, and the team is alerted.
  expect(await state(live.id)).toEqual({ status: 'open', band: 'detractor', imported: false, alerts: 1 });
  expect(
    await t.db.one(`SELECT properties->>'store' AS store FROM contacts WHERE id = :id`, { id: person.id }),
  ).toEqual({ store: 'Lyon' });

  // Backfilled from another tool: dated as given, filed closed, no alert; posting it again makes nothing new.
  const march = Date.UTC(2025, 2, 1, 12) / 1000;
  const old = await delighted.surveyResponse.create({ person: person.id, score: 2, created_at: march });
  expect(old.created_at).toBe(march);
  expect(await state(old.id)).toEqual({ status: 'closed', band: 'detractor', imported: true, alerts: 0 });
  expect((await delighted.surveyResponse.create({ person: person.id, score: 2, created_at: march })).id).toBe(old.id);
  const day = await delighted.metrics.retrieve({ since: march - 3600, until: march + 3600 });
  expect([day.response_count, day.detractor_count, day.nps]).toEqual([1, 1, -100]);
  const listed = await delighted.surveyResponse.all({ person_email: 'kiosk@example.com' });
  expect(listed.map((r) => [r.score, r.created_at])).toEqual([
    [2, march],
    [3, live.created_at],
  ]);

  // As Delighted refuses them: a score off the scale, an unknown person, a time to come.
  for (const bad of [
    { person: person.id, score: 11 },
    { person: '00000000-0000-4000-8000-000000000000', score: 5 },
    { person: person.id, score: 5, created_at: before + 86_400 },
    { score: 5 },
  ])
    await expect(delighted.surveyResponse.create(bad)).rejects.toMatchObject({ type: 'ResourceValidationError' });
  expect(
    (await t.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM responses WHERE contact_id = :id`, {
      id: person.id,
    }))!.n,
  ).toBe(2);
});

it('delay, send: false, pending survey requests, and deleting a person', async () => {
  await t.db.execute(`UPDATE workspaces SET throttle_days = 0`);
  const later = await delighted.person.create({ email: 'later@example.com', delay: 3600 });
  expect(later.survey_scheduled_at! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
  expect((await delighted.person.create({ email: 'quiet@example.com', send: false })).survey_scheduled_at).toBeNull();
  expect(await delighted.surveyRequest.deletePending({ person_email: 'later@example.com' })).toMatchObject({
    ok: true,
  });
  const statuses = await t.db.query<{ email: string; status: string }>(
    `SELECT c.email, d.status FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE c.email IN ('later@example.com', 'quiet@example.com')`,
  );
  expect(statuses).toEqual([{ email: 'later@example.com', status: 'cancelled' }]);
  expect(await delighted.person.delete({ email: 'quiet@example.com' })).toMatchObject({ ok: true });
  expect(await t.db.one(`SELECT 1 AS x FROM contacts WHERE email = 'quiet@example.com'`)).toBeUndefined();
});

it("errors map onto the client's typed errors: a bad key, bad input, a read key writing", async () => {
  const stranger = new Delighted('rk_nope', { host: '127.0.0.1', port, scheme: 'http', base: '/v1' });
  await expect(stranger.metrics.retrieve()).rejects.toMatchObject({ type: 'AuthenticationError' });
  await expect(delighted.person.create({ email: 'not an email' })).rejects.toMatchObject({
    type: 'ResourceValidationError',
  });
  await expect(delighted.person.create({ email: 'x@example.com', delay: -1 })).rejects.toMatchObject({
    type: 'ResourceValidationError',
  });
  const reader = new Delighted(
    await keyFor(
      t.db,
      (await t.db.one<{ id: string }>(`SELECT id FROM workspaces WHERE name = 'Acme'`))!.id,
      (await t.db.one<{ id: string }>(`SELECT id FROM users WHERE role = 'owner' LIMIT 1`))!.id,
      ['read'],
    ),
    { host: '127.0.0.1', port, scheme: 'http', base: '/v1' },
  );
  await expect(reader.person.create({ email: 'x@example.com' })).rejects.toMatchObject({ type: 'GeneralAPIError' });
});

it('each path answers with and without .json (Ruby and Python clients add it); another workspace sees nothing', async () => {
  const basic = { Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
  const a = await request(t.app).get('/v1/survey_responses.json?per_page=100').set(basic).expect(200);
  const b = await request(t.app).get('/v1/survey_responses?per_page=100').set(basic).expect(200);
  expect(a.body).toEqual(b.body);
  await request(t.app).get('/v1/metrics.json').set(basic).expect(200);
  await request(t.app).get('/v1/bounces.json').set(basic).expect(200);
  await request(t.app).post('/v1/unsubscribes.json').set(basic).send({ person_email: 'x2@example.com' }).expect(200);

  const other = await seedWorkspace(t.db, { contacts: 0, name: 'Other' });
  const theirs = new Delighted(await keyFor(t.db, other.workspaceId, other.userId), {
    host: '127.0.0.1',
    port,
    scheme: 'http',
    base: '/v1',
  });
  expect(await theirs.surveyResponse.all()).toEqual([]);
  expect((await theirs.metrics.retrieve()).response_count).toBe(0);
  expect(await theirs.unsubscribe.all()).toEqual([]);
  expect(await theirs.bounce.all()).toEqual([]);
});
