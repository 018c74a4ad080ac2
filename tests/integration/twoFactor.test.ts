import * as OTPAuth from 'otpauth';
import request from 'supertest';
import { createTestApp, csrfFrom, OWNER, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { inviteTeammate } from '../helpers/team';

type Agent = ReturnType<typeof request.agent>;

/** The authenticator app: the secret as the enrol page shows it, codes computed by otpauth (RFC 6238). */
const appFor = (shownSecret: string) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(shownSecret.replace(/\s/g, '')), digits: 6, period: 30 });
/** The code of the step after the current one: accepted (one step of drift), and later than any used so far. */
const nextCode = (totp: OTPAuth.TOTP, steps = 1) => totp.generate({ timestamp: Date.now() + steps * 30_000 });

const secretOn = (html: string) => {
  const m = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(html);
  if (!m) throw new Error('No secret on the enrol page');
  return m[1]!;
};
const codesOn = (html: string) =>
  [...html.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);

/** Password step: returns the agent (now owing a code) and where it was sent. */
async function passwordStep(t: TestApp, email: string, password: string, next = '/contacts') {
  const agent = request.agent(t.app);
  const page = await agent.get(`/login?next=${encodeURIComponent(next)}`).expect(200);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ email, password, next, _csrf: csrfFrom(page.text) })
    .expect(303);
  return { agent, location: res.headers.location };
}

/** The code step; `status` 0 takes whatever comes. */
async function codeStep(agent: Agent, code: string, status = 303) {
  const page = await agent.get('/login/code').expect(200);
  const res = await agent
    .post('/login/code')
    .type('form')
    .send({ code, _csrf: csrfFrom(page.text) });
  if (status) expect(res.status).toBe(status);
  return res;
}

async function enrol(agent: Agent) {
  const page = await agent.get('/account/two-factor').expect(200);
  const totp = appFor(secretOn(page.text));
  const res = await agent
    .post('/account/two-factor')
    .type('form')
    .send({ code: totp.generate(), _csrf: csrfFrom(page.text) })
    .expect(200);
  return { totp, codes: codesOn(res.text) };
}

let t: TestApp;
let owner: Agent;
let totp: OTPAuth.TOTP;
let recovery: string[];
/** The code that signed in, kept to be replayed. */
let usedCode: string;

beforeAll(async () => {
  t = await createTestApp({ mailbox: true });
  owner = await signedInAgent(t.app);
});
afterAll(() => t?.close());

describe('two-factor sign-in with an authenticator app', () => {
  it('when a person enrols, the page shows a key and its QR code; a wrong code leaves it off; the right one turns it on and shows 10 recovery codes once', async () => {
    const account = await owner.get('/account').expect(200);
    expect(account.text).toContain('Off: your password alone signs you in.');

    const page = await owner.get('/account/two-factor').expect(200);
    expect(page.text).toMatch(/data-testid="totp-qr"><svg[^>]*viewBox/);
    const shown = secretOn(page.text);
    // A reload shows the same key: someone who scanned it and reloads still holds the right one.
    expect(secretOn((await owner.get('/account/two-factor').expect(200)).text)).toBe(shown);
    totp = appFor(shown);

    const wrong = await owner
      .post('/account/two-factor')
      .type('form')
      .send({ code: String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0'), _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(wrong.text).toContain('That code does not match.');
    expect(await t.db.one(`SELECT 1 AS on FROM users WHERE totp_enabled_at IS NOT NULL`)).toBeUndefined();

    const on = await owner
      .post('/account/two-factor')
      .type('form')
      .send({ code: totp.generate(), _csrf: csrfFrom(wrong.text) })
      .expect(200);
    recovery = codesOn(on.text);
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);

    // Stored sealed and hashed: neither the key nor a recovery code is in the database as shown.
    const row = (await t.db.one<{ sealed: string; pending: string | null }>(
      `SELECT totp_secret_sealed AS sealed, totp_pending_sealed AS pending FROM users WHERE email = :e`,
      { e: OWNER.email },
    ))!;
    expect(row.pending).toBeNull();
    expect(row.sealed).not.toContain(shown.replace(/\s/g, ''));
    expect(t.sealer.open(row.sealed)).toBe(shown.replace(/\s/g, ''));
    const hashes = await t.db.query<{ hex: string }>(`SELECT encode(code_hash, 'hex') AS hex FROM recovery_codes`);
    expect(hashes).toHaveLength(10);
    for (const code of recovery)
      expect(hashes.map((h) => h.hex).join()).not.toContain(Buffer.from(code).toString('hex'));

    // Shown once: the page now says it is on, and shows no key and no codes.
    const after = await owner.get('/account/two-factor').expect(200);
    expect(after.text).toContain('You have <strong>10</strong> unused recovery codes.');
    expect(after.text).not.toContain(recovery[0]!);
    expect(after.text).not.toContain('data-testid="totp-secret"');
    const audit = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE action LIKE 'two_factor.%'`,
    );
    expect(audit.map((a) => a.action)).toEqual(['two_factor.enabled']);
  });

  it('when the password is right, the person is not signed in until the code; a wrong code is refused; the right one signs in where they were going', async () => {
    const { agent, location } = await passwordStep(t, OWNER.email, OWNER.password);
    expect(location).toBe('/login/code');
    // Half-way is not signed in: no team page opens.
    await agent.get('/contacts').expect(303).expect('Location', '/login?next=%2Fcontacts');

    const wrong = await codeStep(agent, '000000', 422);
    expect(wrong.text).toContain('That code does not match, or was used already.');
    const sidBefore = (await t.db.query(`SELECT sid FROM session WHERE sess->'pending' IS NOT NULL`)).length;
    expect(sidBefore).toBe(1);

    usedCode = nextCode(totp);
    const ok = await codeStep(agent, usedCode);
    expect(ok.headers.location).toBe('/contacts');
    await agent.get('/contacts').expect(200);
    // The session that held "owes a code" is gone: signed in under a new id.
    expect(await t.db.query(`SELECT sid FROM session WHERE sess->'pending' IS NOT NULL`)).toHaveLength(0);

    const events = await t.db.query<{ action: string; details: { method?: string; factor?: string } }>(
      `SELECT action, details FROM audit_events WHERE action IN ('signin', 'signin.failed') ORDER BY id`,
    );
    expect(events.map((e) => [e.action, e.details.method ?? e.details.factor])).toEqual([
      ['signin.failed', 'two_factor'],
      ['signin', 'totp'],
    ]);
  });

  it('when a code was used, it cannot be used again within its window', async () => {
    const { agent } = await passwordStep(t, OWNER.email, OWNER.password);
    // The same code as the sign-in above, still within the window in which it is accepted.
    const replay = await codeStep(agent, usedCode, 422);
    expect(replay.text).toContain('was used already');
    await agent.get('/contacts').expect(303);
  });

  it('when the phone is lost, a recovery code signs in once, and only once', async () => {
    const first = await passwordStep(t, OWNER.email, OWNER.password);
    await codeStep(first.agent, recovery[0]!.toUpperCase().replace('-', ' '));
    await first.agent.get('/contacts').expect(200);

    const again = await passwordStep(t, OWNER.email, OWNER.password);
    await codeStep(again.agent, recovery[0]!, 422);
    expect((await owner.get('/account/two-factor').expect(200)).text).toContain(
      'You have <strong>9</strong> unused recovery codes.',
    );
  });

  it('turning it off needs the password or a current code: a wrong password changes nothing', async () => {
    const page = await owner.get('/account/two-factor').expect(200);
    const refused = await owner
      .post('/account/two-factor/disable')
      .type('form')
      .send({ password: 'not my password', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(refused.text).toContain('That is not your password.');
    expect(await t.db.one(`SELECT 1 AS on FROM users WHERE totp_enabled_at IS NOT NULL`)).toBeDefined();

    await owner
      .post('/account/two-factor/disable')
      .type('form')
      .send({ password: OWNER.password, _csrf: csrfFrom(page.text) })
      .expect(303)
      .expect('Location', '/account?twoFactorOff=1');
    expect(await t.db.query(`SELECT 1 FROM recovery_codes`)).toHaveLength(0);
    const { location } = await passwordStep(t, OWNER.email, OWNER.password);
    expect(location).toBe('/contacts');
    const audit = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE action LIKE 'two_factor.%' ORDER BY id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['two_factor.enabled', 'two_factor.disabled']);
  });

  it('when a workspace requires two-factor, a member without it is sent to enrol before anything else', async () => {
    const member = await inviteTeammate(t, owner, {
      name: 'Mo Member',
      email: 'mo@acme.test',
      role: 'member',
      password: 'member password 1',
    });
    await member.get('/contacts').expect(200);

    const settings = await owner.get('/settings').expect(200);
    expect(settings.text).toContain('Require two-factor sign-in for everyone');
    await submitForm(owner, '/settings', '/settings', {
      name: 'Acme',
      senderName: OWNER.senderName,
      postalAddress: OWNER.postalAddress,
      throttleDays: '0',
      requireTwoFactor: 'on',
    });
    expect((await t.db.one<{ r: boolean }>(`SELECT require_two_factor AS r FROM workspaces`))!.r).toBe(true);

    await member.get('/contacts').expect(303).expect('Location', '/account/two-factor');
    const enrolPage = await member.get('/account/two-factor').expect(200);
    expect(enrolPage.text).toContain('Acme requires two-factor sign-in for everyone.');
    const refused = await member
      .post('/contacts')
      .type('form')
      .send({ email: 'new@example.com', _csrf: csrfFrom(enrolPage.text) })
      .expect(403);
    expect(refused.text).toContain('requires two-factor sign-in');
    expect(await t.db.query(`SELECT 1 FROM contacts WHERE email = 'new@example.com'`)).toHaveLength(0);

    await enrol(member);
    await member.get('/contacts').expect(200);
  });

  it('after 5 wrong codes the second step is refused for a while, even with the right code', async () => {
    const member = await passwordStep(t, 'mo@acme.test', 'member password 1');
    expect(member.location).toBe('/login/code');
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i++) status = (await codeStep(member.agent, '123456', 0)).status;
    expect(status).toBe(429);
    const secret = t.sealer.open(
      (await t.db.one<{ s: string }>(`SELECT totp_secret_sealed AS s FROM users WHERE email = 'mo@acme.test'`))!.s,
    );
    const limited = await codeStep(member.agent, nextCode(appFor(secret)), 429);
    expect(limited.text).toContain('Too many wrong codes.');
    await member.agent.get('/contacts').expect(303);
  });
});
