import request from 'supertest';
import { createTestApp, csrfFrom, OWNER, type TestApp } from '../helpers/testApp';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('first run, sign in and sign out', () => {
  it('sends the first visitor to /setup, refuses bad setup input whole, then creates the owner with an argon2id hash', async () => {
    await request(t.app).get('/').expect(303).expect('Location', '/setup');

    const agent = request.agent(t.app);
    const page = await agent.get('/setup').expect(200);
    const bad = await agent
      .post('/setup')
      .type('form')
      .send({ ...OWNER, email: 'not-an-email', password: 'short', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(bad.text).toContain('Enter an email address like name@example.com.');
    expect(bad.text).toContain('Use at least 10 characters for the password.');
    expect(bad.text).toContain('value="Acme"'); // the person's input is kept
    expect(await t.db.query('SELECT id FROM workspaces')).toHaveLength(0);

    const ok = await agent
      .post('/setup')
      .type('form')
      .send({ ...OWNER, _csrf: csrfFrom(bad.text) })
      .expect(303);
    expect(ok.headers.location).toBe('/surveys');
    const [user] = await t.db.query<{ password_hash: string; role: string }>('SELECT password_hash, role FROM users');
    expect(user!.role).toBe('owner');
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
    await agent.get('/surveys').expect(200);
  });

  it('refuses a second setup once a workspace exists', async () => {
    const agent = request.agent(t.app);
    await agent.get('/setup').expect(303).expect('Location', '/login');
  });

  it('refuses a form without its CSRF token', async () => {
    const res = await request(t.app)
      .post('/login')
      .type('form')
      .send({ email: OWNER.email, password: OWNER.password })
      .expect(403);
    expect(res.text).toContain('This form has expired');
  });

  it('signs in with a new session id (no fixation), and signs out', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').expect(200);
    const before = page.headers['set-cookie'] as unknown as string[];
    const sidBefore = before.find((c) => c.startsWith('rapport.sid='))!.split(';')[0];

    const wrong = await agent
      .post('/login')
      .type('form')
      .send({ email: OWNER.email, password: 'wrong password', _csrf: csrfFrom(page.text) })
      .expect(401);
    expect(wrong.text).toContain('That email and password do not match');

    const res = await agent
      .post('/login')
      .type('form')
      .send({ email: 'VALERIA@acme.test', password: OWNER.password, _csrf: csrfFrom(wrong.text) })
      .expect(303);
    const sidAfter = (res.headers['set-cookie'] as unknown as string[])
      .find((c) => c.startsWith('rapport.sid='))!
      .split(';')[0];
    expect(sidAfter).not.toBe(sidBefore);

    // The session lives in Postgres, under the new id.
    const sid = decodeURIComponent(sidAfter!.split('=')[1]!).slice(2).split('.')[0];
    const rows = await t.db.query<{ sess: { userId?: string } }>('SELECT sess FROM session WHERE sid = :sid', { sid });
    expect(rows[0]?.sess.userId).toBeDefined();

    const surveys = await agent.get('/surveys').expect(200);
    expect(surveys.text).toContain('Valeria Ortiz');
    await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfFrom(surveys.text) })
      .expect(303);
    await agent.get('/surveys').expect(303).expect('Location', '/login?next=%2Fsurveys');
  });

  it('answers 401 JSON to an API-style request without a session', async () => {
    const res = await request(t.app).get('/surveys').set('Accept', 'application/json').expect(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('only follows same-site "next" paths after login', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login?next=//evil.example/x').expect(200);
    expect(page.text).toContain('name="next" value="/"');
  });
});

describe('password guessing', () => {
  it('is refused with 429 and Retry-After once 20 sign-ins from one address have failed, even with the right password', async () => {
    const agent = request.agent(t.app);
    let page = await agent.get('/login').expect(200);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      page = await agent
        .post('/login')
        .type('form')
        .send({ email: OWNER.email, password: `guess ${i}`, _csrf: csrfFrom(page.text) });
      statuses.push(page.status);
    }
    // Earlier tests in this file already spent a failure or two from this address.
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(18);
    expect(statuses.at(-1)).toBe(429);
    const blocked = await agent
      .post('/login')
      .type('form')
      .send({ email: OWNER.email, password: OWNER.password, _csrf: csrfFrom(page.text) })
      .expect(429);
    expect(blocked.headers['retry-after']).toBe('900');
    expect(blocked.text).toContain('Too many sign-in attempts from here.');
  });
});

describe('sessions', () => {
  it('stores no session for a visitor who is only redirected or lost, and one for a visitor shown the sign-in form', async () => {
    const count = async () => (await t.db.one<{ n: number }>('SELECT count(*) AS n FROM session'))!.n;
    const before = await count();
    await request(t.app).get('/').expect(303);
    await request(t.app).get('/no-such-page').expect(303);
    expect(await count()).toBe(before);
    await request(t.app).get('/login').expect(200);
    expect(await count()).toBe(before + 1);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(200, { status: 'ready' });
  });
});
