import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey, seedWorkspace } from '../factories/respondent';
import { responsesService } from '../../src/modules/responses';

let t: TestApp;
let workspaceId: string;

beforeAll(async () => {
  t = await createTestApp({ respondRateLimit: 25, publicSubmitLimit: 3 });
  workspaceId = await seedWorkspace(t.db);
});
afterAll(() => t.close());

describe('unsubscribe', () => {
  it('GET shows a confirm page and changes nothing; POST confirms', async () => {
    const surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
    const { token, contactId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    const page = await request(t.app).get(`/r/${token}/unsubscribe`).expect(200);
    expect(page.text).toContain(`<form method="post" action="/r/${token}/unsubscribe">`);
    const status = () =>
      t.db.one<{ status: string }>('SELECT status FROM contacts WHERE id = :contactId', { contactId });
    expect((await status())!.status).toBe('subscribed');
    await request(t.app).post(`/r/${token}/unsubscribe`).type('form').send({}).expect(200);
    expect((await status())!.status).toBe('unsubscribed');
  });

  it('the RFC 8058 one-click POST, with no cookies, suppresses the contact at once and answers 200 without setting a cookie', async () => {
    const surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
    const { token, contactId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    const res = await request(t.app)
      .post(`/r/${token}/unsubscribe`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toContain('You are unsubscribed');
    expect(await t.db.query('SELECT status FROM contacts WHERE id = :contactId', { contactId })).toEqual([
      { status: 'unsubscribed' },
    ]);
  });
});

describe("a survey's public link", () => {
  it('takes answers not tied to a contact when the survey allows it, each submission a response of its own, rate-limited per IP across instances', async () => {
    const surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, publicLinkEnabled: true });
    const service = responsesService(t.db, t.sealer);
    const token = await service.publicLinkToken(workspaceId, surveyId);
    expect(await service.publicLinkToken(workspaceId, surveyId)).toBe(token);
    // Stored hashed: the token itself is nowhere in the table.
    expect(JSON.stringify(await t.db.query('SELECT * FROM survey_public_links'))).not.toContain(token);

    const page = await request(t.app).get(`/r/p/${token}?score=9`).expect(200);
    expect(page.text).toMatch(/name="nps" value="9" checked/);
    expect(page.text).toContain('data-save="0"');
    expect(page.text).not.toContain('class="hp"');
    await request(t.app)
      .post(`/r/p/${token}`)
      .type('form')
      .send({ nps: '9', reason: 'Lovely' })
      .expect(303)
      .expect('Location', `/r/p/${token}/thanks`);
    await request(t.app).post(`/r/p/${token}`).type('form').send({ nps: '42' }).expect(422);
    await request(t.app).post(`/r/p/${token}`).type('form').send({ nps: '3' }).expect(303);
    const rows = await t.db.query<{ score: number; delivery_id: string | null }>(
      'SELECT score, delivery_id FROM responses WHERE survey_id = :surveyId ORDER BY score',
      { surveyId },
    );
    expect(rows).toEqual([
      { score: 3, delivery_id: null },
      { score: 9, delivery_id: null },
    ]);
    expect((await request(t.app).get(`/r/p/${token}/thanks`).expect(200)).text).toContain(
      'Valeria at Acme reads every answer.',
    );

    const limited = await request(t.app).post(`/r/p/${token}`).type('form').send({ nps: '5' }).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const hits = await t.db.one<{ hits: number }>(
      `SELECT sum(hits) AS hits FROM rate_limit_hits WHERE key LIKE 'public-submit:%'`,
    );
    expect(hits!.hits).toBe(4);

    await t.db.execute('UPDATE surveys SET public_link_enabled = false WHERE id = :surveyId', { surveyId });
    await request(t.app).get(`/r/p/${token}`).expect(404);
  });
});

describe('per-IP rate limit on /r/*', () => {
  it('answers 429 with Retry-After and a kind page once an address exceeds the limit', async () => {
    let res: request.Response | undefined;
    for (let i = 0; i < 30; i++) {
      res = await request(t.app).get('/r/nonsense');
      if (res.status === 429) break;
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
    expect(res!.text).toContain('Please wait a moment');
    // The team's pages are not limited by it.
    await request(t.app).get('/healthz').expect(200);
  });
});

describe("the link's page, answered in front of Express", () => {
  it('counts toward the same per-IP limit as every /r/* path, once a request, by the address Express would see, and over it gets the kind 429 page', async () => {
    const own = await createTestApp({ respondRateLimit: 6, trustProxy: 1 });
    try {
      const ws = await seedWorkspace(own.db);
      const surveyId = await seedSurvey(own.db, ws, { questions: NPS_SURVEY });
      const { token } = await seedDelivery(own.db, own.sealer, ws, surveyId);
      const get = (path: string, ip = '203.0.113.7') => request(own.app).get(path).set('X-Forwarded-For', ip);
      // The page three times, its limit headers counting down as the router's would.
      for (const left of [5, 4, 3]) {
        const page = await get(`/r/${token}`).expect(200);
        expect(page.headers.ratelimit).toMatch(new RegExp(`^"6-in-1min"; r=${left}; t=\\d+$`));
        expect(page.headers['ratelimit-policy']).toMatch(/^"6-in-1min"; q=6; w=60; pk=:[\w+/=]+:$/);
      }
      // An unknown link of a token's shape is handed to the router after the page counted it (not counted again),
      // and a path of another shape is the router's own: three more, six in all, none refused.
      await get(`/r/${'x'.repeat(43)}`).expect(404);
      await get(`/r/${'y'.repeat(43)}`).expect(404);
      await get('/r/nonsense').expect(404);
      const limited = await get(`/r/${token}`).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.text).toContain('Please wait a moment');
      expect(limited.headers['content-security-policy']).toBeDefined();
      // Another address (trust proxy decides which, as for req.ip) has a count of its own.
      await get(`/r/${token}`, '203.0.113.8').expect(200);
    } finally {
      await own.close();
    }
  });
});
