import request from 'supertest';
import { createTestApp, csrfFrom, OWNER, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { inviteTeammate, lastMailTo, linkIn } from '../helpers/team';

type Agent = ReturnType<typeof request.agent>;

const sid = (_agent: Agent, t: TestApp) =>
  t.db.query<{ sid: string }>(
    `SELECT sid FROM session WHERE sess->>'userId' = (SELECT id::text FROM users WHERE email = :e)`,
    {
      e: OWNER.email,
    },
  );

describe('several workspaces', () => {
  let t: TestApp;
  let owner: Agent;
  beforeAll(async () => {
    t = await createTestApp();
    owner = await signedInAgent(t.app);
  });
  afterAll(() => t?.close());

  it('someone creates another workspace (they own it), switches between theirs, and each shows only its own things', async () => {
    await submitForm(owner, '/contacts', '/contacts', { name: 'Grace', email: 'grace@customer.test' });
    const before = (await sid(owner, t)).map((s) => s.sid);
    await submitForm(owner, '/workspaces/new', '/workspaces', {
      workspaceName: 'Globex',
      senderName: 'Valeria at Globex',
      postalAddress: '2 Side St',
    });
    const after = (await sid(owner, t)).map((s) => s.sid);
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]); // a new role in a new workspace: a new session id

    const globex = await owner.get('/contacts').expect(200);
    expect(globex.text).toContain('<span class="brand-name">Globex</span>');
    expect(globex.text).toContain('Valeria Ortiz</a>');
    expect(globex.text).not.toContain('grace@customer.test');
    const [acme, other] = await t.db.query<{ id: string; name: string; role: string }>(
      `SELECT w.id, w.name, m.role FROM workspaces w JOIN memberships m ON m.workspace_id = w.id ORDER BY w.name`,
    );
    expect([acme!.name, acme!.role, other!.name, other!.role]).toEqual(['Acme', 'owner', 'Globex', 'owner']);
    expect(globex.text).toContain(`<option value="${acme!.id}"`);

    await submitForm(owner, '/contacts', '/workspaces/switch', { workspaceId: acme!.id });
    expect((await owner.get('/contacts').expect(200)).text).toContain('grace@customer.test');

    // A workspace one does not belong to cannot be switched to.
    const stranger = (await t.db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Initech', 'I', '3 Road') RETURNING id`,
    ))!.id;
    await submitForm(owner, '/contacts', '/workspaces/switch', { workspaceId: stranger }, 404);
    expect((await owner.get('/contacts').expect(200)).text).toContain('grace@customer.test');
  });

  it('a teammate invited to a second workspace joins it with one click, and has the role of each where they are', async () => {
    const kim = await inviteTeammate(t, owner, {
      name: 'Kim',
      email: 'kim@acme.test',
      role: 'member',
      password: 'kim password 1',
    });
    const [acme, globex] = await t.db.query<{ id: string }>(
      `SELECT id FROM workspaces WHERE name IN ('Acme', 'Globex') ORDER BY name`,
    );
    await submitForm(owner, '/contacts', '/workspaces/switch', { workspaceId: globex!.id });
    await submitForm(owner, '/team', '/team/invitations', { email: 'kim@acme.test', role: 'viewer' });
    const link = linkIn((await lastMailTo(t, 'kim@acme.test')).text, '/invitations/');
    const page = await kim.get(link).expect(200);
    expect(page.text).toContain('You are signed in as kim@acme.test.');
    await kim
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);

    // Now in Globex, as a viewer: refused a change. Back in Acme, as a member: allowed.
    const there = await kim.get('/contacts').expect(200);
    expect(there.text).toContain('<span class="brand-name">Globex</span>');
    expect(there.text).toContain('Kim</a>');
    await kim
      .post('/contacts')
      .type('form')
      .send({ _csrf: csrfFrom(there.text), name: 'Z', email: 'z@z.test' })
      .expect(403);
    await submitForm(kim, '/contacts', '/workspaces/switch', { workspaceId: acme!.id });
    await submitForm(kim, '/contacts', '/contacts', { name: 'Z', email: 'z@z.test' });
    const rows = await t.db.query<{ workspace_id: string }>(
      `SELECT workspace_id FROM contacts WHERE email = 'z@z.test'`,
    );
    expect(rows).toEqual([{ workspace_id: acme!.id }]);
  });

  it('sign-up is off by default: /signup does not exist; first-run setup stays the only way in', async () => {
    await request(t.app).get('/signup').expect(404);
    const agent = request.agent(t.app);
    const login = await agent.get('/login').expect(200);
    await agent
      .post('/signup')
      .type('form')
      .send({
        _csrf: csrfFrom(login.text),
        workspaceName: 'X',
        senderName: 'X',
        postalAddress: 'X',
        name: 'X',
        email: 'x@x.test',
        password: 'long enough pw',
      })
      .expect(404);
    expect(await t.db.query(`SELECT 1 FROM users WHERE email = 'x@x.test'`)).toHaveLength(0);
  });
});

describe('sign-up, when the install allows it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ signupEnabled: true });
    await signedInAgent(t.app); // first-run setup as usual
  });
  afterAll(() => t?.close());

  it('anyone creates a workspace of their own and owns it; an address with an account is told to sign in', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/signup').expect(200);
    const form = {
      _csrf: csrfFrom(page.text),
      workspaceName: 'Hooli',
      senderName: 'Gavin at Hooli',
      postalAddress: '1 Hooli Way',
      name: 'Gavin',
      email: 'gavin@hooli.test',
      password: 'a long password',
    };
    await agent.post('/signup').type('form').send(form).expect(303);
    const home = await agent.get('/surveys').expect(200);
    expect(home.text).toContain('<span class="brand-name">Hooli</span>');
    expect(home.text).toContain('Gavin</a>');
    const taken = await request
      .agent(t.app)
      .post('/signup')
      .type('form')
      .set('Cookie', (page.headers['set-cookie'] as unknown as string[]) ?? [])
      .send({ ...form, email: OWNER.email, workspaceName: 'Again' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Already has an account: sign in instead.');
    expect(await t.db.query(`SELECT 1 FROM workspaces WHERE name = 'Again'`)).toHaveLength(0);
  });
});
