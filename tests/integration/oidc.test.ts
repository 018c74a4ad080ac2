import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import * as OTPAuth from 'otpauth';
import { freePort } from '../helpers/net';
import { createTestDatabase, type ScratchDatabase } from '../helpers/testDb';
import { OWNER, signedInAgent, submitForm } from '../helpers/testApp';
import { formBrowser, type FormBrowser } from '../helpers/formBrowser';
import { waitFor } from '../helpers/wait';

/**
 * Single sign-on against a real OpenID provider (oidc-provider), both ends real processes: openid-client and
 * oidc-provider are ESM only, which Jest's module system cannot load on Node 20, so Rapport runs as it does in
 * production (tests/helpers/rapportProcess.ts, on this file's database) and the provider from its own fixture.
 * Every sign-in goes through HTTP: Rapport's button, the provider's login and consent forms, the callback.
 */
const ACCOUNTS = {
  valeria: { email: OWNER.email, email_verified: true, name: 'Valeria O.' },
  ivan: { email: 'ivan@acme.test', email_verified: true, name: 'Ivan Petrov' },
  eve: { email: 'eve@elsewhere.test', email_verified: true, name: 'Eve' },
  mallory: { email: OWNER.email, email_verified: false, name: 'Not Valeria' },
};

let database: ScratchDatabase;
const children: ChildProcess[] = [];
let app: string;
let issuer: string;
let provider: ChildProcess;

/** A child process whose stdout is JSON lines; resolves with the first line `ready` accepts. */
function start(args: string[], env: NodeJS.ProcessEnv, ready: (line: Record<string, unknown>) => boolean) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (ready(line)) resolve(line);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)));
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  app = `http://127.0.0.1:${port}`;
  ({ issuer } = (await start(
    [path.join(__dirname, '../helpers/oidcProvider.mjs')],
    { REDIRECT_URI: `${app}/login/oidc/callback`, ACCOUNTS: JSON.stringify(ACCOUNTS) },
    (l) => typeof l.issuer === 'string',
  )) as { issuer: string });
  provider = children[0]!;
  await start(
    ['--import', 'tsx', path.join(__dirname, '../helpers/rapportProcess.ts')],
    {
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: app,
      SMTP_URL: 'smtp://127.0.0.1:9',
      WORKER_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'info',
      SECRET_KEY: 'oidc-test-secret-key-that-is-long-enough',
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'rapport',
      OIDC_CLIENT_SECRET: 'rapport-test-secret',
      OIDC_NAME: 'Acme ID',
    },
    (l) => l.msg === 'ready',
  );
  // Valeria set Rapport up (with a password) and invited Ivan, who has no account yet.
  const owner = await signedInAgent(app);
  await submitForm(owner, '/team', '/team/invitations', { email: 'ivan@acme.test', role: 'member' });
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.removeAllListeners('exit');
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  await database?.drop();
});

const toProvider = (url: string) => url.startsWith(issuer);
const toCallback = (url: string) => url.startsWith(`${app}/login/oidc/callback`);

/**
 * Rapport's button, then the provider's pages as a person fills them; stops at the redirect back to Rapport and
 * answers its URL. `tamperAuthorize` changes the request Rapport sent to the provider.
 */
async function throughProvider(browser: FormBrowser, login: string, tamperAuthorize = (u: URL) => u) {
  const loginPage = await browser.go(`${app}/login`);
  expect(loginPage.text).toContain('Sign in with Acme ID');
  const authorize = await browser.go(`${app}/login/oidc?next=/surveys`, { stopAt: toProvider });
  expect(authorize.status).toBe(0);
  let page = await browser.go(tamperAuthorize(new URL(authorize.url)).href, { stopAt: toCallback });
  // The provider's own login page, then its consent page: each a form to submit.
  for (let step = 0; page.status !== 0; step++) {
    if (step > 3) throw new Error(`Stuck at the provider: ${page.url} ${page.text.slice(0, 300)}`);
    const fields: Record<string, string> = page.text.includes('name="login"') ? { login, password: 'any' } : {};
    page = await browser.submit(page, fields, { stopAt: toCallback });
  }
  return new URL(page.url);
}

const sessionsWithUser = async () =>
  Number(
    (await database.db.one<{ n: string }>(`SELECT count(*) AS n FROM session WHERE sess->>'userId' IS NOT NULL`))!.n,
  );

const auditOf = (action: string) =>
  database.db.query<{ subject: string; details: { method?: string; reason?: string } }>(
    `SELECT subject, details FROM audit_events WHERE action = :action ORDER BY id`,
    { action },
  );

it('when a person with an account signs in with the provider, they land on the dashboard, linked by subject from then on', async () => {
  const browser = formBrowser();
  const callback = await throughProvider(browser, 'valeria');
  // The session that carried state and nonce is not the signed-in one: sign-in rotates the id, as a password does.
  const carrier = browser.cookie(app, 'rapport.sid');
  expect(carrier).toBeDefined();
  const landed = await browser.go(callback.href);
  expect(landed.url).toBe(`${app}/surveys`);
  expect(browser.cookie(app, 'rapport.sid')).not.toBe(carrier);
  expect(landed.status).toBe(200);
  expect(landed.text).toContain('Valeria Ortiz');
  expect((await auditOf('signin')).filter((e) => e.details.method === 'oidc')).toEqual([
    { subject: OWNER.email, details: { method: 'oidc' } },
  ]);
  const links = await database.db.query(`SELECT issuer, subject FROM user_identities`);
  expect(links).toEqual([{ issuer, subject: 'valeria' }]);

  // Her address changes at Rapport: the provider's subject still finds her (never the email again).
  await database.db.execute(`UPDATE users SET email = 'valeria.ortiz@acme.test' WHERE lower(email) = :email`, {
    email: OWNER.email,
  });
  const again = formBrowser();
  expect((await again.go((await throughProvider(again, 'valeria')).href)).url).toBe(`${app}/surveys`);
  await database.db.execute(`UPDATE users SET email = :email WHERE email = 'valeria.ortiz@acme.test'`, {
    email: OWNER.email,
  });
});

it('when the state coming back was tampered with, the sign-in is refused with a 400 and nobody is signed in', async () => {
  const before = await sessionsWithUser();
  const browser = formBrowser();
  const callback = await throughProvider(browser, 'valeria');
  callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
  const refused = await browser.go(callback.href);
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('could not be verified');
  expect(await sessionsWithUser()).toBe(before);
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
  // The honest callback cannot be used afterwards either: its state was spent with the first attempt.
  callback.searchParams.set('state', callback.searchParams.get('state')!.slice(0, -1));
  expect((await browser.go(callback.href)).status).toBe(400);
});

it('when the person declines at the provider, the callback says the provider did not sign them in (403)', async () => {
  const browser = formBrowser();
  const callback = await throughProvider(browser, 'valeria');
  const declined = new URL(callback.pathname, callback);
  declined.search = new URLSearchParams({
    error: 'access_denied',
    state: callback.searchParams.get('state')!,
    iss: callback.searchParams.get('iss') ?? issuer,
  }).toString();
  const page = await browser.go(declined.href);
  expect(page.status).toBe(403);
  expect(page.text).toContain('Acme ID did not sign you in (access_denied)');
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
});

it('when the ID token carries another nonce than the one this browser was given, the sign-in is refused', async () => {
  const before = await sessionsWithUser();
  const browser = formBrowser();
  const callback = await throughProvider(browser, 'valeria', (u) => {
    u.searchParams.set('nonce', 'a-nonce-from-another-request');
    return u;
  });
  const refused = await browser.go(callback.href);
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('could not be verified');
  expect(await sessionsWithUser()).toBe(before);
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
});

it('when the provider vouches for an address Rapport does not know, the person is told to ask for an invitation', async () => {
  const browser = formBrowser();
  const refused = await browser.go((await throughProvider(browser, 'eve')).href);
  expect(refused.status).toBe(403);
  expect(refused.text).toContain('Ask an owner of your team to invite you');
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
  expect(await database.db.query(`SELECT 1 FROM users WHERE email = 'eve@elsewhere.test'`)).toEqual([]);
});

it('when the provider has not verified the address, it does not sign in to the account of that address', async () => {
  const browser = formBrowser();
  const refused = await browser.go((await throughProvider(browser, 'mallory')).href);
  expect(refused.status).toBe(403);
  expect(refused.text).toContain('verified');
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
  expect((await auditOf('signin.failed')).map((e) => e.details)).toContainEqual({
    method: 'oidc',
    reason: 'email_unverified',
  });
});

it('when an invited person signs in with the provider, they join the team with the invited role', async () => {
  const browser = formBrowser();
  const landed = await browser.go((await throughProvider(browser, 'ivan')).href);
  expect(landed.url).toBe(`${app}/surveys`);
  const member = await database.db.one<{ name: string; role: string; accepted: boolean }>(
    `SELECT u.name, m.role, i.accepted_at IS NOT NULL AS accepted
     FROM users u JOIN memberships m ON m.user_id = u.id JOIN team_invitations i ON lower(i.email) = u.email
     WHERE u.email = 'ivan@acme.test'`,
  );
  expect(member).toEqual({ name: 'Ivan Petrov', role: 'member', accepted: true });
  await waitFor(async () => (await auditOf('invitation.accepted')).length === 1, 'the acceptance in the audit log');
  expect((await auditOf('signin')).map((e) => [e.subject, e.details.method])).toContainEqual([
    'ivan@acme.test',
    'oidc',
  ]);
  expect((await browser.go(`${app}/account`)).url).toBe(`${app}/account`);
});

it('when a person who turned on two-factor signs in with the provider, Rapport still asks for their code', async () => {
  // Ivan (who joined above) turns on two-factor sign-in.
  const signedIn = formBrowser();
  await signedIn.go((await throughProvider(signedIn, 'ivan')).href);
  const enrol = await signedIn.go(`${app}/account/two-factor`);
  const secret = /data-testid="totp-secret">([A-Z2-7 ]+)</.exec(enrol.text)![1]!.replace(/\s/g, '');
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  const codes = await signedIn.submit(enrol, { code: totp.generate() }, { action: '/account/two-factor' });
  const recovery = /<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/.exec(codes.text)![1]!;

  const browser = formBrowser();
  const owed = await browser.go((await throughProvider(browser, 'ivan')).href);
  expect(owed.url).toBe(`${app}/login/code`);
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
  const landed = await browser.submit(
    await browser.go(`${app}/login/code`),
    { code: recovery },
    { action: '/login/code' },
  );
  expect(landed.url).toBe(`${app}/surveys`);
  expect((await auditOf('signin')).map((e) => [e.subject, e.details.method])).toContainEqual([
    'ivan@acme.test',
    'oidc+recovery',
  ]);
});

// Last: it stops the provider.
it('when the provider stops answering before the code is exchanged, the callback says so (503), never a 500', async () => {
  const browser = formBrowser();
  const callback = await throughProvider(browser, 'valeria');
  await new Promise<void>((resolve) => {
    provider.removeAllListeners('exit');
    provider.once('exit', () => resolve());
    provider.kill('SIGTERM');
  });
  const page = await browser.go(callback.href);
  expect(page.status).toBe(503);
  expect(page.text).toContain('Acme ID is not answering');
  expect((await browser.go(`${app}/surveys`)).url).toMatch(/\/login/);
});
