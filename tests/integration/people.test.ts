import request from 'supertest';
import { hashToken } from '../../src/platform/tokens';
import { createTestApp, csrfFrom, OWNER, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { inviteTeammate, lastMailTo, linkIn } from '../helpers/team';

type Agent = ReturnType<typeof request.agent>;

let t: TestApp;
let owner: Agent;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t.app);
});
afterAll(() => t?.close());

async function signIn(email: string, password: string, status = 303) {
  const agent = request.agent(t.app);
  const page = await agent.get('/login').expect(200);
  await agent
    .post('/login')
    .type('form')
    .send({ email, password, _csrf: csrfFrom(page.text) })
    .expect(status);
  return agent;
}
const signedIn = async (agent: Agent) => (await agent.get('/surveys')).status === 200;
const actions = async () =>
  (await t.db.query<{ action: string }>(`SELECT action FROM audit_events ORDER BY id`)).map((a) => a.action);

describe('invitations by email', () => {
  it('the invited person follows the link in the real email, sets name and password, and is in; the link works once', async () => {
    await submitForm(owner, '/team', '/team/invitations', { email: 'Ines@Acme.test', role: 'member' });
    const mail = await lastMailTo(t, 'ines@acme.test');
    expect(mail.subject).toBe(`${OWNER.name} invited you to Acme on Rapport`);
    expect(mail.text).toContain('as a member');
    const link = linkIn(mail.text, '/invitations/');
    const token = link.split('/')[2]!;

    // Stored hashed (and sealed for the worker), never as it is.
    const [row] = await t.db.query<{ token_hash: Buffer; token_sealed: string; expires: number }>(
      `SELECT token_hash, token_sealed, extract(epoch FROM expires_at - created_at) / 86400 AS expires FROM team_invitations`,
    );
    expect(row!.token_hash.equals(hashToken(token))).toBe(true);
    expect(row!.token_sealed).not.toContain(token);
    expect(Math.round(Number(row!.expires))).toBe(7);
    expect((await owner.get('/team').expect(200)).text).toContain('data-testid="invitation-ines@acme.test"');

    const ines = request.agent(t.app);
    const page = await ines.get(link).expect(200);
    expect(page.text).toContain('Create my account and join');
    const short = await ines
      .post(link)
      .type('form')
      .send({ name: 'Ines', password: 'short', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(short.text).toContain('Use at least 10 characters for the password.');
    await ines
      .post(link)
      .type('form')
      .send({ name: 'Ines Duarte', password: 'a good long password', _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await signedIn(ines)).toBe(true);
    const [m] = await t.db.query<{ role: string }>(
      `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ines@acme.test'`,
    );
    expect(m!.role).toBe('member');

    const again = await request(t.app).get(link).expect(410);
    expect(again.text).toContain('This invitation link was used, revoked or has expired.');
    expect(await actions()).toEqual(expect.arrayContaining(['invitation.sent', 'invitation.accepted']));
  });

  it('a resent invitation carries a new link and the old one stops working; a revoked or expired one never works', async () => {
    await submitForm(owner, '/team', '/team/invitations', { email: 'ray@acme.test', role: 'viewer' });
    const first = linkIn((await lastMailTo(t, 'ray@acme.test')).text, '/invitations/');
    const dup = await submitForm(owner, '/team', '/team/invitations', { email: 'RAY@acme.test', role: 'viewer' }, 409);
    expect(dup.text).toContain('That address is already invited');

    const { id } = (await t.db.one<{ id: string }>(
      `SELECT id FROM team_invitations WHERE email = 'ray@acme.test' AND revoked_at IS NULL`,
    ))!;
    await submitForm(owner, '/team', `/team/invitations/${id}/resend`, {});
    const second = linkIn((await lastMailTo(t, 'ray@acme.test')).text, '/invitations/');
    expect(second).not.toBe(first);
    await request(t.app).get(first).expect(410);
    await request(t.app).get(second).expect(200);

    const { id: newId } = (await t.db.one<{ id: string }>(
      `SELECT id FROM team_invitations WHERE email = 'ray@acme.test' AND revoked_at IS NULL`,
    ))!;
    await submitForm(owner, '/team', `/team/invitations/${newId}/revoke`, {});
    await request(t.app).get(second).expect(410);
    expect((await owner.get('/team').expect(200)).text).not.toContain('invitation-ray@acme.test');

    await submitForm(owner, '/team', '/team/invitations', { email: 'old@acme.test', role: 'member' });
    const old = linkIn((await lastMailTo(t, 'old@acme.test')).text, '/invitations/');
    await t.db.execute(
      `UPDATE team_invitations SET expires_at = now() - interval '1 second' WHERE email = 'old@acme.test'`,
    );
    await request(t.app).get(old).expect(410);
    await request(t.app).get('/invitations/not-a-token').expect(410);
  });

  it('someone with an account elsewhere joins with it (their password proves it); a wrong password is refused', async () => {
    // A second workspace whose owner invites a teammate of the first.
    const other = (await t.db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Globex', 'Globex', '2 Side St') RETURNING id`,
    ))!.id;
    const ownerHash = (await t.db.one<{ h: string }>(`SELECT password_hash AS h FROM users WHERE email = :e`, {
      e: OWNER.email,
    }))!.h;
    await t.db.execute(
      `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:other, 'Gail', 'gail@globex.test', :h, 'owner')`,
      { other, h: ownerHash },
    );
    const gail = await signIn('gail@globex.test', OWNER.password);
    await submitForm(gail, '/team', '/team/invitations', { email: 'ines@acme.test', role: 'admin' });
    const link = linkIn((await lastMailTo(t, 'ines@acme.test')).text, '/invitations/');

    const ines = request.agent(t.app);
    const page = await ines.get(link).expect(200);
    expect(page.text).toContain('This address already has a Rapport account');
    const wrong = await ines
      .post(link)
      .type('form')
      .send({ password: 'not her password', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(wrong.text).toContain('Wrong password.');
    await ines
      .post(link)
      .type('form')
      .send({ password: 'a good long password', _csrf: csrfFrom(page.text) })
      .expect(303);
    const roles = await t.db.query<{ name: string; role: string }>(
      `SELECT w.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id JOIN workspaces w ON w.id = m.workspace_id
       WHERE u.email = 'ines@acme.test' ORDER BY w.name`,
    );
    expect(roles).toEqual([
      { name: 'Acme', role: 'member' },
      { name: 'Globex', role: 'admin' },
    ]);
    expect(await t.db.query(`SELECT 1 FROM users WHERE lower(email) = 'ines@acme.test'`)).toHaveLength(1);
  });
});

describe('passwords and sessions', () => {
  const sam = { name: 'Sam Rivera', email: 'sam@acme.test', role: 'member', password: 'first password 1' };
  let samHere: Agent;
  beforeAll(async () => {
    samHere = await inviteTeammate(t, owner, sam);
  });

  it('changing the password needs the current one and signs out every other session, not this one', async () => {
    const samThere = await signIn(sam.email, sam.password);
    const wrong = await submitForm(
      samHere,
      '/account',
      '/account/password',
      { current: 'nope', password: 'second password 2' },
      422,
    );
    expect(wrong.text).toContain('Wrong password.');
    expect(await signedIn(samThere)).toBe(true);

    await submitForm(samHere, '/account', '/account/password', {
      current: sam.password,
      password: 'second password 2',
    });
    expect(await signedIn(samHere)).toBe(true);
    expect(await signedIn(samThere)).toBe(false);
    await signIn(sam.email, sam.password, 401);
    await signIn(sam.email, 'second password 2');
    sam.password = 'second password 2';
  });

  it('the sessions list shows each browser; one can be signed out, or every other at once', async () => {
    await submitForm(samHere, '/account', '/account/sessions/others/end', {});
    const a = await signIn(sam.email, sam.password);
    const b = await signIn(sam.email, sam.password);
    const page = await samHere.get('/account').expect(200);
    const keys = [...page.text.matchAll(/action="\/account\/sessions\/([0-9a-f]{32})\/end"/g)].map((m) => m[1]!);
    expect(keys).toHaveLength(2); // the two others; this one has no sign-out button
    expect(page.text).toContain('(this browser)');
    // The session id itself (a secret) never appears on the page.
    const sids = await t.db.query<{ sid: string }>(`SELECT sid FROM session`);
    for (const { sid } of sids) expect(page.text).not.toContain(sid);

    await submitForm(samHere, '/account', `/account/sessions/${keys[0]}/end`, {});
    const stillIn = [await signedIn(a), await signedIn(b)];
    expect(stillIn.filter(Boolean)).toHaveLength(1);

    await submitForm(samHere, '/account', '/account/sessions/others/end', {});
    expect([await signedIn(a), await signedIn(b), await signedIn(samHere)]).toEqual([false, false, true]);
  });

  it('forgot password: the same answer for any address, a link by email for a real one, single use, one hour', async () => {
    const ask = async (email: string, status = 303) => {
      const agent = request.agent(t.app);
      const page = await agent.get('/forgot').expect(200);
      return agent
        .post('/forgot')
        .type('form')
        .send({ email, _csrf: csrfFrom(page.text) })
        .expect(status);
    };
    const sentBefore = t.smtp.messages.length;
    const unknown = await ask('nobody@acme.test');
    const known = await ask(sam.email);
    expect(unknown.headers.location).toBe(known.headers.location);
    await t.worker.drainOnce();
    expect(t.smtp.messages.length).toBe(sentBefore + 1);
    const mail = await lastMailTo(t, sam.email);
    expect(mail.subject).toBe('Reset your Rapport password');
    const link = linkIn(mail.text, '/reset/');
    const [row] = await t.db.query<{ minutes: number }>(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 60) AS minutes FROM password_resets`,
    );
    expect(Number(row!.minutes)).toBe(60);
    // Nobody's mailbox copy: reset mail is filed under no workspace.

    const other = await signIn(sam.email, sam.password);
    const visitor = request.agent(t.app);
    const page = await visitor.get(link).expect(200);
    await visitor
      .post(link)
      .type('form')
      .send({ password: 'third password 3', _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await signedIn(other)).toBe(false);
    expect(await signedIn(samHere)).toBe(false);
    await signIn(sam.email, 'third password 3');
    const used = await request(t.app).get(link).expect(410);
    expect(used.text).toContain('This reset link was used or has expired');
    sam.password = 'third password 3';

    // An hour later the link is dead.
    await ask(sam.email);
    const late = linkIn((await lastMailTo(t, sam.email)).text, '/reset/');
    await t.db.execute(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    await request(t.app).get(late).expect(410);

    // Three links a quarter hour per address: the fourth ask is refused.
    await ask(sam.email);
    const limited = await ask(sam.email, 429);
    expect(limited.text).toContain('Too many reset requests.');
    expect(await actions()).toEqual(expect.arrayContaining(['password.changed', 'password.reset']));
  });

  it('a session ends after its idle time and after its absolute lifetime, however active', async () => {
    const idle = await signIn(sam.email, sam.password);
    expect(await signedIn(idle)).toBe(true);
    // The store's expiry is the idle timeout, pushed by every request: one left idle that long has run out.
    await t.db.execute(
      `UPDATE session SET expire = now() - interval '1 second' WHERE sess->>'userId' = (SELECT id::text FROM users WHERE email = :e)`,
      { e: sam.email },
    );
    expect(await signedIn(idle)).toBe(false);
    const busy = await signIn(sam.email, sam.password);
    expect(await signedIn(busy)).toBe(true);
    // Signed in 31 days ago (the default absolute lifetime is 30): out, though it was just used.
    await t.db.execute(
      `UPDATE session SET sess = jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb((extract(epoch FROM now() - interval '31 days') * 1000)::bigint))::json
       WHERE sess->>'userId' = (SELECT id::text FROM users WHERE email = :e)`,
      { e: sam.email },
    );
    expect(await signedIn(busy)).toBe(false);
  });
});
