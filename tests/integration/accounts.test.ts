import request from 'supertest';
import { createTestApp, csrfFrom, OWNER, type TestApp } from '../helpers/testApp';

let t: TestApp;
beforeAll(async () => {
  // Behind a proxy (X-Forwarded-For), so tests can come from several addresses.
  t = await createTestApp({ trustProxy: 1 });
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
    // A session id planted before sign-in (here: a stale one of our own) is worth nothing after it.
    const sidBefore = 'rapport.sid=s%3Aplanted-session-id.x';
    agent.jar.setCookie(`${sidBefore}; Path=/`, '127.0.0.1');
    const page = await agent.get('/login').expect(200);

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

describe('password guessing (per address, per account, and never locking the owner out of a known browser)', () => {
  const from = (ip: string) => {
    const agent = request.agent(t.app);
    return {
      agent,
      async signIn(password: string) {
        const page = await agent.get('/login').set('X-Forwarded-For', ip).expect(200);
        return agent
          .post('/login')
          .set('X-Forwarded-For', ip)
          .type('form')
          .send({ email: OWNER.email, password, _csrf: csrfFrom(page.text) });
      },
    };
  };

  it('an attacker exhausting the account from many addresses gets 429s, while the owner still signs in from the browser they used before', async () => {
    await t.db.query(`DELETE FROM rate_limit_hits RETURNING key`); // earlier tests spent a failure or two
    const owner = from('198.51.100.7');
    await owner.signIn(OWNER.password).then((r) => expect(r.status).toBe(303));

    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await from(`203.0.113.${i % 3}`).signIn(`guess ${i}`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);

    // Even the right password from a new browser waits: that is the account's budget…
    const stranger = await from('192.0.2.50').signIn(OWNER.password);
    expect(stranger.status).toBe(429);
    expect(stranger.headers['retry-after']).toBe('900');
    expect(stranger.text).toContain('Too many failed sign-ins to this account. Sign in from a browser you have used');
    // …but the owner's own browser is known, so the attacker cannot lock them out.
    await owner.signIn(OWNER.password).then((r) => expect(r.status).toBe(303));
  });

  it('one address trying many accounts is stopped after 20 failures; a known browser behind it is not', async () => {
    await t.db.query(`DELETE FROM rate_limit_hits RETURNING key`);
    const owner = from('198.51.100.8');
    await owner.signIn(OWNER.password).then((r) => expect(r.status).toBe(303));
    const agent = request.agent(t.app);
    let page = await agent.get('/login').set('X-Forwarded-For', '203.0.113.77').expect(200);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      page = await agent
        .post('/login')
        .set('X-Forwarded-For', '203.0.113.77')
        .type('form')
        .send({ email: `user${i}@acme.test`, password: 'guess', _csrf: csrfFrom(page.text) });
      statuses.push(page.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(page.text).toContain('Too many sign-in attempts from here.');
    // The owner, behind the same address (an office NAT), signs in from their known browser.
    const ownerPage = await owner.agent.get('/login').set('X-Forwarded-For', '203.0.113.77').expect(200);
    await owner.agent
      .post('/login')
      .set('X-Forwarded-For', '203.0.113.77')
      .type('form')
      .send({ email: OWNER.email, password: OWNER.password, _csrf: csrfFrom(ownerPage.text) })
      .expect(303);
  });

  it('a known browser has a budget of its own: 10 failures', async () => {
    await t.db.query(`DELETE FROM rate_limit_hits RETURNING key`);
    const owner = from('198.51.100.9');
    await owner.signIn(OWNER.password).then((r) => expect(r.status).toBe(303));
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await owner.signIn(`guess ${i}`)).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
  });
});

describe('sessions', () => {
  it('stores no session for a signed-out visitor, even one shown the sign-in form 100 times; sign-in stores one', async () => {
    await t.db.query(`DELETE FROM rate_limit_hits RETURNING key`);
    const count = async () => (await t.db.one<{ n: number }>('SELECT count(*) AS n FROM session'))!.n;
    const before = await count();
    await request(t.app).get('/').expect(303);
    await request(t.app).get('/no-such-page').expect(303);
    for (let i = 0; i < 100; i++) {
      const res = await request(t.app).get('/login').expect(200);
      expect(String(res.headers['set-cookie'])).not.toContain('rapport.sid=');
    }
    expect(await count()).toBe(before);
    const agent = request.agent(t.app);
    const page = await agent.get('/login').expect(200);
    await agent
      .post('/login')
      .type('form')
      .send({ email: OWNER.email, password: OWNER.password, _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await count()).toBe(before + 1);
  });

  it('signed-in pages, and the forms before them, are never cached', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    await agent
      .post('/login')
      .type('form')
      .send({ email: OWNER.email, password: OWNER.password, _csrf: csrfFrom(page.text) })
      .expect(303);
    for (const path of ['/surveys', '/contacts', '/inbox', '/team', '/settings'])
      expect((await agent.get(path).expect(200)).headers['cache-control']).toBe('no-store');
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(200, { status: 'ready' });
  });
});
