import { Writable } from 'node:stream';
import request from 'supertest';
import { startRapport, type Rapport } from '../../src/boot';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { freePort } from '../helpers/net';
import { startTestSmtp } from '../helpers/smtp';
import { createTestDatabase, type ScratchDatabase } from '../helpers/testDb';
import { csrfFrom, OWNER } from '../helpers/testApp';

/**
 * The real start-up path logging at info into memory, walked through a whole pulse by HTTP: setup, a survey,
 * a contact, Send now, the invitation through a real SMTP server, the respondent's link and answer, sign out
 * and in. Then the log text is searched for every secret the walk saw.
 */
const logged: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged.push(chunk.toString());
    done();
  },
});
const CONTACT = 'ada.lovelace@example.com';

let database: ScratchDatabase;
let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let rapport: Rapport;
beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtp();
  const config = loadConfig({
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url,
    PORT: String(await freePort()),
    SECRET_KEY: 'logs-test-secret-key-that-is-long-enough',
    SCHEDULER_ENABLED: 'false',
  });
  rapport = await startRapport(config, createLogger('info', sink));
}, 60_000);
afterAll(async () => {
  await rapport?.stop();
  await smtp?.close();
  await database?.drop();
});

/** Polls state, never a fixed sleep: the worker and the log write happen on their own schedule. */
async function until<T>(what: string, probe: () => T | undefined | false) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('a whole pulse leaves request lines with ids, and no token, email address, cookie, CSRF token or password', async () => {
  const secrets = new Set<string>([CONTACT, OWNER.email, OWNER.password]);
  const agent = request.agent(rapport.url);
  const csrf = (html: string) => {
    const token = csrfFrom(html);
    secrets.add(token);
    return token;
  };
  const cookies = (res: request.Response) => {
    for (const c of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) {
      const value = c.split(';')[0]!.split('=').slice(1).join('=');
      if (!value) continue;
      const decoded = decodeURIComponent(value);
      secrets.add(value).add(decoded);
      // express-session's cookie is "s:<session id>.<signature>": the bare id is a secret too.
      if (decoded.startsWith('s:')) secrets.add(decoded.slice(2).split('.')[0]!);
    }
    return res;
  };

  // Setup and a survey.
  let page = cookies(await agent.get('/setup').expect(200));
  cookies(
    await agent
      .post('/setup')
      .type('form')
      .send({ ...OWNER, _csrf: csrf(page.text) })
      .expect(303),
  );
  page = await agent.get('/surveys/new').expect(200);
  const created = await agent
    .post('/surveys')
    .type('form')
    .send({ template: 'how-are-we-doing', _csrf: csrf(page.text) })
    .expect(303);
  const surveyUrl = created.headers.location!;

  // A contact, found again by address (the address rides in the query string), and an upload URL carrying
  // the CSRF token the way the import form's does.
  page = await agent.get('/contacts').expect(200);
  await agent
    .post('/contacts/paste')
    .type('form')
    .send({ lines: `Ada Lovelace, ${CONTACT}`, _csrf: csrf(page.text) })
    .expect(303);
  await agent.get(`/contacts?q=${encodeURIComponent(CONTACT)}`).expect(200);
  await agent.get(`/contacts?q=${CONTACT}`).expect(200);
  await agent.get(`/contacts/imports?_csrf=${encodeURIComponent(csrf(page.text))}`).expect(200);

  // Send now; the worker mails the invitation through the real SMTP server.
  page = await agent.get(`${surveyUrl}/send`).expect(200);
  await agent
    .post(`${surveyUrl}/send`)
    .type('form')
    .send({ recipients: /name="recipients" value="(\d+)"/.exec(page.text)![1], _csrf: csrf(page.text) })
    .expect(303);
  const mail = await until('the invitation', () => smtp.messages[0]);
  const token = /\/r\/([\w-]{43})\?score=9/.exec(mail.html as string)![1]!;
  secrets.add(token);

  // The respondent: the link, the answer, the thanks, the unsubscribe page; and a mistyped link.
  await request(rapport.url).get(`/r/${token}?score=9`).expect(200);
  const answered = await request(rapport.url)
    .post(`/r/${token}`)
    .type('form')
    .send({ nps: '9', reason: `Write to me at ${CONTACT}` })
    .expect(303);
  await request(rapport.url).get(answered.headers.location!).expect(200);
  await request(rapport.url).get(`/r/${token}/unsubscribe`).expect(200);
  await request(rapport.url)
    .get(`/r/${token.slice(1)}x`)
    .expect(404);
  secrets.add(`${token.slice(1)}x`);

  // Sign out and in again.
  page = await agent.get('/surveys').expect(200);
  await agent
    .post('/logout')
    .type('form')
    .send({ _csrf: csrf(page.text) })
    .expect(303);
  page = cookies(await agent.get('/login').expect(200));
  cookies(
    await agent
      .post('/login')
      .type('form')
      .send({ email: OWNER.email, password: OWNER.password, _csrf: csrf(page.text) })
      .expect(303),
  );

  // A sane incoming request id is echoed and logged; anything else is replaced by one of ours.
  const kept = await agent.get('/surveys').set('X-Request-Id', 'lb-7f3a:42').expect(200);
  expect(kept.headers['x-request-id']).toBe('lb-7f3a:42');
  const replaced = await agent.get('/surveys').set('X-Request-Id', 'two words').expect(200);
  expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  await request(rapport.url).get('/healthz').set('X-Request-Id', 'last-one').expect(200);
  const last = await agent.get('/login').set('X-Request-Id', 'last-one').expect(200);
  expect(last.headers['x-request-id']).toBe('last-one');
  await until('the last request in the log', () => logged.some((l) => l.includes('"id":"last-one"')));

  const text = logged.join('');
  const requests = logged.map((l) => JSON.parse(l) as { msg: string; req?: { id: string; url: string } });
  const urls = requests.filter((r) => r.msg === 'request completed').map((r) => r.req!.url);
  // The check below cannot pass on an empty or silent log: each of the walk's 24 requests but the probe is
  // there once, by its shape.
  expect(urls).toHaveLength(23);
  expect(urls).toEqual(
    expect.arrayContaining([
      '/r/:token?score=9',
      '/r/:token',
      '/r/:token/thanks',
      '/r/:token/unsubscribe',
      '/contacts?q=[email]',
      '/contacts/imports?_csrf=[redacted]',
      '/login',
    ]),
  );
  expect(requests.filter((r) => r.req?.id === 'lb-7f3a:42')).toHaveLength(1);
  expect(requests.some((r) => r.req?.id === replaced.headers['x-request-id'])).toBe(true);
  // Probes are not logged.
  expect(urls).not.toContain('/healthz');

  expect(secrets.size).toBeGreaterThanOrEqual(12);
  for (const secret of secrets) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
  expect(text).not.toMatch(/@example\.com|@acme\.test|%40/);
});
