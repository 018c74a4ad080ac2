import request from 'supertest';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { EVERY_TYPE, NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let npsSurvey: string;
let everySurvey: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  npsSurvey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
  everySurvey = await seedSurvey(t.db, workspaceId, {
    questions: EVERY_TYPE,
    title: 'Every type',
    thankYouUrl: 'https://acme.example/thanks',
  });
});
afterAll(() => t.close());

const post = (token: string, body: Record<string, unknown>) =>
  request(t.app).post(`/r/${token}`).type('form').send(body);
const partial = (token: string, body: Record<string, unknown>) =>
  request(t.app)
    .post(`/r/${token}`)
    .set('Accept', 'application/json')
    .type('form')
    .send({ ...body, _partial: '1' });
const responseOf = (deliveryId: string) =>
  t.db.one<{ score: number | null; comment: string | null; answers: Record<string, unknown>; completed: boolean }>(
    'SELECT score, comment, answers, completed_at IS NOT NULL AS completed FROM responses WHERE delivery_id = :deliveryId',
    { deliveryId },
  );

describe('every question type', () => {
  it('renders real radios and checkboxes in fieldsets with legends, labelled CSAT points, and text fields with labels', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    const page = await request(t.app).get(`/r/${token}?score=2`).expect(200);
    expect(page.text).toMatch(
      /<fieldset class="q scale csat" id="q-sat"[^>]*data-primary>\s*<legend class="prompt">How satisfied are you\?<\/legend>/,
    );
    expect(page.text).toMatch(/type="radio" id="sat-1" name="sat" value="2" checked required data-band="low"/);
    expect(page.text).toContain('<span class="sub">Very unsatisfied</span>');
    expect(page.text).toMatch(/type="radio" id="effort-6" name="effort" value="7"/);
    expect(page.text).toMatch(/type="checkbox" id="used-2" name="used" value="Phone"/);
    expect(page.text).toContain('value="Team &amp; more"');
    expect(page.text).toMatch(
      /<label for="q-role" class="prompt">Your role <span class="opt">\(optional\)<\/span><\/label>/,
    );
    // The low-score follow-up is shown for the clicked 2, enabled, and marked as shown.
    expect(page.text).toMatch(
      /<fieldset class="q" data-bands="low">\s*<input type="hidden" name="_shown" value="fix">/,
    );
  });

  it("stores one answer per question, with the score and the first non-empty long text as the dashboard's comment", async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    await post(token, {
      sat: '5',
      effort: '6',
      stars: '4',
      again: 'yes',
      plan: 'Team & more',
      used: ['Chat', 'Email'],
      role: 'CTO',
      comment: 'Keep going',
    }).expect(303);
    const r = await responseOf(deliveryId);
    expect(r).toEqual({
      score: 5,
      comment: 'Keep going',
      completed: true,
      answers: {
        sat: 5,
        effort: 6,
        stars: 4,
        again: 'yes',
        plan: 'Team & more',
        used: ['Chat', 'Email'],
        role: 'CTO',
        comment: 'Keep going',
      },
    });
  });

  it('refuses answers outside the range or the choices with 422 and a message per question, storing nothing', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    const res = await post(token, {
      sat: '6',
      effort: '0',
      stars: '9',
      again: 'perhaps',
      plan: 'Gold',
      used: ['Fax'],
      role: 'x'.repeat(501),
    }).expect(422);
    for (const msg of [
      'Choose a score from 1 to 5.',
      'Choose a score from 1 to 7.',
      'Choose one of the options shown.',
      'Please keep your answer under 500 characters.',
    ]) {
      expect(res.text).toContain(msg);
    }
    expect(res.text).toContain('role="alert"');
    expect(await responseOf(deliveryId)).toBeUndefined();
  });
});

describe('follow-ups for the score band', () => {
  it('without JavaScript: the first Send saves the score and brings back the page with the follow-up for that band, which is then required', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    // The page was opened without a score: the low-band follow-up is hidden and disabled.
    const first = await request(t.app).get(`/r/${token}`).expect(200);
    expect(first.text).toMatch(/<fieldset class="q" data-bands="low" hidden disabled>/);
    const res = await post(token, { sat: '2' }).expect(303);
    expect(res.headers.location).toBe(`/r/${token}?saved=1`);
    expect((await responseOf(deliveryId))!.score).toBe(2);
    const again = await request(t.app).get(res.headers.location!).expect(200);
    expect(again.text).toContain('Your answer is saved. One more question');
    expect(again.text).toMatch(/<fieldset class="q" data-bands="low">/);
    const missing = await post(token, { sat: '2', _shown: 'fix' }).expect(422);
    expect(missing.text).toContain('Please answer this question.');
    await post(token, { sat: '2', _shown: 'fix', fix: 'Slow exports' })
      .expect(303)
      .expect('Location', `/r/${token}/thanks`);
    expect((await responseOf(deliveryId))!.answers).toEqual({ sat: 2, fix: 'Slow exports' });
  });

  it('a follow-up answer is dropped when the score changes to a band it does not belong to', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    await post(token, { nps: '3', _shown: 'help', help: 'Call me' }).expect(303);
    expect((await responseOf(deliveryId))!.answers).toEqual({ nps: 3, help: 'Call me' });
    await post(token, { nps: '10' }).expect(303);
    expect((await responseOf(deliveryId))!.answers).toEqual({ nps: 10 });
  });
});

describe('saving as they go, changing the answer, one response per delivery', () => {
  it('partial saves keep what was given so far and are not complete until Send', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    expect((await partial(token, { nps: '6' }).expect(200)).body.saved).toBe(true);
    expect(await responseOf(deliveryId)).toMatchObject({ score: 6, completed: false });
    await partial(token, { nps: '6', reason: 'Too slow' }).expect(200);
    expect(await responseOf(deliveryId)).toMatchObject({ score: 6, comment: 'Too slow', completed: false });
    // A required question left empty is fine in a partial save, but a bad value is still refused.
    const bad = await partial(token, { nps: '42' }).expect(422);
    expect(bad.body.error.fields.nps).toBe('Choose a score from 0 to 10.');
    await post(token, { nps: '7', reason: 'Better now' }).expect(303);
    expect(await responseOf(deliveryId)).toMatchObject({ score: 7, comment: 'Better now', completed: true });
  });

  it('the same link changes the answer until the survey closes; the latest answer wins', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    await post(token, { nps: '2', reason: 'Bad' }).expect(303);
    const page = await request(t.app).get(`/r/${token}`).expect(200);
    expect(page.text).toMatch(/name="nps" value="2" checked/);
    expect(page.text).toContain('>Bad</textarea>');
    expect(page.text).toContain('You already answered.');
    await post(token, { nps: '9', reason: 'Fixed!' }).expect(303);
    expect(
      await t.db.query('SELECT score, comment FROM responses WHERE delivery_id = :deliveryId', { deliveryId }),
    ).toEqual([{ score: 9, comment: 'Fixed!' }]);
    await t.db.execute(`UPDATE surveys SET closes_at = now() - interval '1 minute' WHERE id = :npsSurvey`, {
      npsSurvey,
    });
    try {
      await post(token, { nps: '0' }).expect(410);
      expect((await responseOf(deliveryId))!.score).toBe(9);
    } finally {
      await t.db.execute(`UPDATE surveys SET closes_at = NULL WHERE id = :npsSurvey`, { npsSurvey });
    }
  });

  it('concurrent POSTs (final and partial) from one link make exactly one response', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 ? post(token, { nps: String(i % 11) }) : partial(token, { nps: String(i % 11), reason: `r${i}` }),
      ),
    );
    expect(await t.db.query('SELECT id FROM responses WHERE delivery_id = :deliveryId', { deliveryId })).toHaveLength(
      1,
    );
  });
});

describe('links gone bad and bad input', () => {
  it('unknown, malformed and tampered tokens get the very same 404 page, on every route', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const bodies = new Set<string>();
    for (const path of [
      `/r/${tampered}`,
      '/r/nonsense',
      `/r/${'A'.repeat(43)}`,
      `/r/${tampered}/thanks`,
      `/r/${tampered}/unsubscribe`,
    ]) {
      bodies.add((await request(t.app).get(path).expect(404)).text);
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain('This link does not work');
    await post(tampered, { nps: '5' }).expect(404);
    await request(t.app).post(`/r/${tampered}/unsubscribe`).expect(404);
  });

  it('a closed or archived survey answers 410 with a kind page that names no one', async () => {
    const closed = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, closesAt: '2020-01-01T00:00:00Z' });
    const archived = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, status: 'archived' });
    const texts = [];
    for (const surveyId of [closed, archived]) {
      const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
      texts.push((await request(t.app).get(`/r/${token}?score=9`).expect(410)).text);
      await post(token, { nps: '9' }).expect(410);
      expect(
        await t.db.query('SELECT id FROM response_clicks WHERE delivery_id = :deliveryId', { deliveryId }),
      ).toHaveLength(0);
      // Unsubscribing is about the person, not the survey: it keeps working.
      await request(t.app).get(`/r/${token}/unsubscribe`).expect(200);
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).toContain('This survey has closed');
    expect(texts[0]).not.toContain('Acme');
  });

  it('a comment over 5,000 characters: 422 with a message; a body over 64 KB: 413; nothing stored', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    const long = await post(token, { nps: '5', reason: 'x'.repeat(5001) }).expect(422);
    expect(long.text).toContain('Please keep your answer under 5,000 characters.');
    const big = await post(token, { nps: '5', reason: 'x'.repeat(70_000) }).expect(413);
    expect(big.text).toContain('Please shorten your answer');
    expect(await responseOf(deliveryId)).toBeUndefined();
  });
});

describe('the thank-you page and the page itself', () => {
  it("thanks in the sender's name, links back only to the survey's own http(s) address, and never redirects from the URL", async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    await post(token, { sat: '5' }).expect(303);
    const thanks = await request(t.app).get(`/r/${token}/thanks?next=https://evil.example`).expect(200);
    expect(thanks.text).toContain('Valeria at Acme reads every answer.');
    expect(thanks.text).toContain('<a href="https://acme.example/thanks">Back to Acme</a>');
    expect(thanks.text).not.toContain('evil.example');

    const sneaky = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, thankYouUrl: 'javascript:alert(1)' });
    const other = await seedDelivery(t.db, t.sealer, workspaceId, sneaky);
    const page = await request(t.app).get(`/r/${other.token}/thanks`).expect(200);
    expect(page.text).not.toContain('javascript:');
    expect(page.text).not.toContain('Back to');
  });

  it('sends no-referrer, no-store, no cookie, no third-party reference, and weighs under 30 KB with its CSS', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    const page = await request(t.app).get(`/r/${token}?score=2`).expect(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const css = await request(t.app).get('/static/css/respond.css').expect(200);
    expect(Buffer.byteLength(page.text) + Buffer.byteLength(css.text)).toBeLessThan(30 * 1024);
  });

  it('runs ahead of the rest of the app yet carries every security header a team page does, and a request id', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    const page = await request(t.app).get(`/r/${token}`).expect(200);
    const team = await request(t.app).get('/login').expect(200);
    // helmet's headers, whatever they are: the respondent's router applies the same instance (app.ts's edge).
    const security = Object.keys(team.headers).filter((h) =>
      /^(content-security-policy|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-content-type-options|x-dns-prefetch-control|x-download-options|x-frame-options|x-permitted-cross-domain-policies|x-xss-protection)/.test(
        h,
      ),
    );
    expect(security.length).toBeGreaterThanOrEqual(10);
    for (const h of security) expect([h, page.headers[h]]).toEqual([h, team.headers[h]]);
    expect(page.headers['x-powered-by']).toBeUndefined();
    expect(page.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.headers['x-robots-tag']).toBe('noindex');
    expect(page.headers['ratelimit-policy']).toBeDefined();
  });

  it('draws the same page in front of Express as the router draws for a URL of another shape, with the same headers', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    await post(token, { sat: '4' }).expect(303);
    // `/r/<token>` is the page's own; with a trailing slash the router answers it, as it always has.
    const [a, b] = [await request(t.app).get(`/r/${token}`), await request(t.app).get(`/r/${token}/`)];
    const same = (h: Record<string, string>) => {
      const { date: _d, 'x-request-id': _id, ratelimit: _rl, ...rest } = h;
      return rest;
    };
    expect(a.status).toBe(200);
    expect(same(a.headers)).toEqual(same(b.headers));
    expect(a.text).toBe(b.text);
    // A HEAD sends no body, and the length the GET has.
    const head = await request(t.app).head(`/r/${token}`).expect(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(a.text)));
    expect(a.text).toContain('<html lang="en">');
  });

  it("answers any other path under /r/ with the respondent's 404 in their language, and leaves /r itself to the app", async () => {
    const lost = await request(t.app).get('/r/abc/def/ghi').set('Accept-Language', 'fr').expect(404);
    expect(lost.headers['cache-control']).toBe('no-store');
    expect(lost.headers['content-security-policy']).toBeDefined();
    expect(lost.text).toContain('<html lang="fr">');
    // "/r" alone is an ordinary app path: signed out, it asks for a sign-in like any team page.
    const bare = await request(t.app).get('/r').expect(303);
    expect(bare.headers.location).toMatch(/^\/login/);
  });

  it('answers with script payloads are shown escaped on the dashboard and on the page', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    const payload = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'><svg onload=alert(3)>';
    await post(token, { nps: '4', reason: payload }).expect(303);
    const dashboard = await agent.get(`/surveys/${npsSurvey}`).expect(200);
    expect(dashboard.text).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#34;&#39;&gt;&lt;svg onload=alert(3)&gt;',
    );
    expect(dashboard.text).not.toContain('<img src=x');
    const page = await request(t.app).get(`/r/${token}`).expect(200);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<svg onload');
  });
});
