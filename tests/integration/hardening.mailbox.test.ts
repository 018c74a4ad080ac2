import request from 'supertest';
import { hashPassword } from '../../src/modules/accounts/passwords';
import { createSurvey, createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { sendWave } from '../helpers/audience';
import { inviteTeammate } from '../helpers/team';

/** Internationalised addresses end to end, and a mailbox that only owners and admins of its workspace read. */
let t: TestApp;
let owner: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
beforeAll(async () => {
  t = await createTestApp({ mailbox: true });
  owner = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
});
afterAll(() => t.close());

async function signIn(email: string, password: string) {
  const agent = request.agent(t.app);
  const page = await agent.get('/login').expect(200);
  await agent
    .post('/login')
    .type('form')
    .send({ email, password, _csrf: csrfFrom(page.text) })
    .expect(303);
  return agent;
}

async function addUser(ws: string, email: string, role: 'owner' | 'admin' | 'member') {
  await t.db.query(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:ws, :email, :email, :hash, :role) RETURNING id`,
    { ws, email, hash: await hashPassword('correct horse battery'), role },
  );
}

describe('internationalised addresses (SMTPUTF8) are accepted end to end', () => {
  it('a contact josé@example.com is added (by form and paste, composed or not), invited, and the mail arrives', async () => {
    await submitForm(owner, '/contacts', '/contacts', { name: 'José', email: 'JOSÉ@example.com' });
    // "é" typed as e + a combining accent is the same address.
    await submitForm(owner, '/contacts', '/contacts/paste', {
      lines: 'José again, jose\u0301@example.com\nZoë, zoë@exämple.de\n用户, 用户@例子.广告',
    });
    const emails = (await t.db.query<{ email: string }>(`SELECT email FROM contacts ORDER BY email`)).map(
      (r) => r.email,
    );
    expect(emails).toEqual(['josé@example.com', 'zoë@exämple.de', '用户@例子.广告']);
    const refused = await submitForm(owner, '/contacts', '/contacts', { name: 'X', email: 'josé@localhost' }, 422);
    expect(refused.text).toContain('Enter an email address like name@example.com.');

    const surveyId = await createSurvey(owner);
    await sendWave(t, owner, surveyId);
    await t.worker.drainOnce();
    const sent = await t.db.query<{ status: string }>(`SELECT status FROM deliveries`);
    expect(sent.map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
    const to = (await t.db.query<{ to: string }>(`SELECT to_text AS to FROM mailbox_messages ORDER BY to_text`)).map(
      (m) => m.to,
    );
    expect(to.some((x) => x.includes('josé@example.com'))).toBe(true);
    expect(to.some((x) => x.includes('用户@例子.广告'))).toBe(true);
  });

  it('a teammate with an internationalised address is invited (the mail reaches the mailbox) and signs in with it', async () => {
    const renee = await inviteTeammate(t, owner, {
      name: 'Renée',
      email: 'Renée@Acme.test',
      role: 'member',
      password: 'a long enough password',
    });
    await renee.get('/surveys').expect(200);
    const again = await signIn('renée@acme.test', 'a long enough password');
    await again.get('/surveys').expect(200);
  });
});

describe('the mailbox is for owners and admins, of their own workspace only', () => {
  it('stamps each captured message with the workspace that sent it', async () => {
    const rows = await t.db.query<{ workspace_id: string }>(`SELECT workspace_id FROM mailbox_messages`);
    expect(rows.length).toBe(4); // three survey emails and Renée's invitation to the team
    expect(rows.every((r) => r.workspace_id === workspaceId)).toBe(true);
  });

  it('a member is refused (and not shown the link); an admin reads it', async () => {
    await addUser(workspaceId, 'mem@acme.test', 'member');
    await addUser(workspaceId, 'adm@acme.test', 'admin');
    const member = await signIn('mem@acme.test', 'correct horse battery');
    expect((await member.get('/surveys').expect(200)).text).not.toContain('href="/mailbox"');
    await member.get('/mailbox').expect(403);
    const id = (await t.db.one<{ id: string }>(`SELECT id FROM mailbox_messages LIMIT 1`))!.id;
    await member.get(`/mailbox/${id}`).expect(403);
    const admin = await signIn('adm@acme.test', 'correct horse battery');
    expect((await admin.get('/mailbox').expect(200)).text).toContain('josé@example.com');
    await admin.get(`/mailbox/${id}`).expect(200);
  });

  it("another workspace's owner sees none of it, not even by id, and a message without a stamp is nobody's", async () => {
    const other = (await t.db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Other', 'Other', 'Elsewhere') RETURNING id`,
    ))!.id;
    await addUser(other, 'boss@other.test', 'owner');
    await t.db.query(
      `INSERT INTO mailbox_messages (message_id, subject, to_text) VALUES ('<stray>', 'Stray', 'x@y.test') RETURNING id`,
    );
    const boss = await signIn('boss@other.test', 'correct horse battery');
    const list = await boss.get('/mailbox').expect(200);
    expect(list.text).toContain('No messages yet.');
    const ids = (await t.db.query<{ id: string }>(`SELECT id FROM mailbox_messages`)).map((m) => m.id);
    for (const id of ids) await boss.get(`/mailbox/${id}`).expect(404);
    expect((await owner.get('/mailbox').expect(200)).text).not.toContain('Stray');
  });
});

describe('the mailbox pages beyond the newest 200', () => {
  it('shows the total, 200 a page newest first, and an "Older" link to the rest', async () => {
    await t.db.execute(
      `INSERT INTO mailbox_messages (workspace_id, subject, to_text)
       SELECT :workspaceId, 'Bulk ' || lpad(n::text, 3, '0'), 'bulk@example.com' FROM generate_series(1, 205) n`,
      { workspaceId },
    );
    const total = Number(
      (await t.db.one<{ n: string }>(`SELECT count(*) AS n FROM mailbox_messages WHERE workspace_id = :workspaceId`, {
        workspaceId,
      }))!.n,
    );
    const first = await owner.get('/mailbox').expect(200);
    expect(first.text).toContain(`${total} messages, newest first.`);
    const rows = (html: string) => [...html.matchAll(/<a href="\/mailbox\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows(first.text)).toHaveLength(200);
    expect(rows(first.text)[0]).toBeGreaterThan(rows(first.text)[199]!);
    const older = /href="(\/mailbox\?before=\d+)" rel="next"/.exec(first.text)![1]!;
    const second = await owner.get(older).expect(200);
    expect(rows(second.text)).toHaveLength(total - 200);
    expect(Math.max(...rows(second.text))).toBeLessThan(Math.min(...rows(first.text)));
    expect(second.text).not.toContain('rel="next"');
    await owner.get('/mailbox?before=nonsense').expect(200);
  });
});
