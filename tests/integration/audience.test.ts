import request from 'supertest';
import { createSurvey, createTestApp, csrfFrom, signedInAgent, type TestApp } from '../helpers/testApp';
import { runImport, sendWave, uploadCsv } from '../helpers/audience';
import { segmentAudience, segmentCondition } from '../../src/modules/contacts';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let surveyId: string;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  surveyId = await createSurvey(agent);
  const csv = [
    'email,name,plan,region,tags',
    'ada@example.com,Ada,pro,eu,vip',
    'bob@example.com,Bob,free,us,',
    'cy@example.com,Cy,pro,us,"vip, beta"',
    'di@example.com,Di,team,eu,beta',
  ].join('\n');
  await runImport(agent, (await uploadCsv(agent, csv)).headers.location!);
});
afterAll(() => t.close());

const idOf = async (email: string) =>
  (await t.db.one<{ id: string }>('SELECT id FROM contacts WHERE email = :email', { email }))?.id;
const emailsOn = (html: string) => [...html.matchAll(/<td>([\w.]+@example\.com)<\/td>/g)].map((m) => m[1]).sort();

describe('the contact list filters on tags, properties, status and score band', () => {
  it.each([
    ['tag=vip', ['ada@example.com', 'cy@example.com']],
    ['tag=vip,beta', ['cy@example.com']],
    ['prop=plan:pro', ['ada@example.com', 'cy@example.com']],
    ['prop=region:eu&tag=beta', ['di@example.com']],
    ['q=BO', ['bob@example.com']],
    ['prop=plan&tag=beta', ['cy@example.com', 'di@example.com']],
    ['status=subscribed&surveyed=never', ['ada@example.com', 'bob@example.com', 'cy@example.com', 'di@example.com']],
  ])('%s', async (qs, expected) => {
    expect(emailsOn((await agent.get(`/contacts?${qs}`).expect(200)).text)).toEqual(expected);
  });

  it('saves a filter as a segment whose count follows the contacts, and which resolves to SQL for a schedule', async () => {
    const page = await agent.get('/contacts?prop=plan:pro').expect(200);
    await agent
      .post('/contacts/segments')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), prop: 'plan:pro', name: 'Pro customers' })
      .expect(303);
    const list = async () => (await agent.get('/contacts/segments').expect(200)).text;
    expect(await list()).toMatch(/Pro customers[\s\S]*data-testid="segment-total">2</);
    await runImport(agent, (await uploadCsv(agent, 'email,plan\neve@example.com,pro\n')).headers.location!);
    expect(await list()).toMatch(/data-testid="segment-total">3</);

    const seg = (await t.db.one<{ id: string; workspace_id: string }>('SELECT id, workspace_id FROM segments'))!;
    const cond = await segmentAudience(t.db, seg.workspace_id, seg.id);
    const rows = await t.db.query<{ email: string }>(
      `SELECT c.email FROM contacts c WHERE c.workspace_id = :ws AND c.status = 'subscribed' AND ${cond.sql} ORDER BY c.email`,
      { ...cond.replacements, ws: seg.workspace_id },
    );
    expect(rows.map((r) => r.email)).toEqual(['ada@example.com', 'cy@example.com', 'eve@example.com']);
    expect(segmentCondition({ tags: ['vip'] }).sql).toBe('c.tags @> ARRAY[:seg_0]::text[]');
  });

  it('segments on the last score band once someone answers', async () => {
    const tokens = await sendWave(t, agent, surveyId);
    await request(t.app)
      .post(`/r/${tokens.get('bob@example.com')}`)
      .type('form')
      .send({ nps: '2', reason: 'Too slow, call me: Bob, +1 555 0100' })
      .expect(303);
    await request(t.app)
      .post(`/r/${tokens.get('ada@example.com')}`)
      .type('form')
      .send({ nps: '10' })
      .expect(303);
    expect(emailsOn((await agent.get('/contacts?band=detractor').expect(200)).text)).toEqual(['bob@example.com']);
    expect(emailsOn((await agent.get('/contacts?surveyed=within&days=7&band=promoter').expect(200)).text)).toEqual([
      'ada@example.com',
    ]);
  });
});

describe('a contact page, export and erasure', () => {
  it('shows properties and a timeline of invitations, reminders and answers, and edits fields', async () => {
    const id = (await idOf('bob@example.com'))!;
    await t.db.execute(
      `INSERT INTO reminders (workspace_id, delivery_id, seq, status) SELECT workspace_id, id, 1, 'sent' FROM deliveries WHERE contact_id = :id`,
      { id },
    );
    const page = await agent.get(`/contacts/${id}`).expect(200);
    expect(page.text).toMatch(/Reminded about <a href="\/surveys\/[^"]+">How are we doing\?<\/a> — sent/);
    expect(page.text).toContain('<dt>region</dt><dd>us</dd>');
    expect(page.text).toMatch(/Invited to <a href="\/surveys\/[^"]+">How are we doing\?<\/a> \(v1\) — queued/);
    expect(page.text).toContain('Too slow, call me');
    const saved = await agent
      .post(`/contacts/${id}`)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        name: 'Bob B',
        email: 'bob@example.com',
        locale: 'es',
        ownerUserId: '',
        tags: 'Churn-Risk, vip',
        properties: 'plan: free\nseats: 3',
      })
      .expect(303);
    expect(saved.headers.location).toBe(`/contacts/${id}?saved=1`);
    expect(await t.db.one('SELECT name, locale, tags, properties FROM contacts WHERE id = :id', { id })).toEqual({
      name: 'Bob B',
      locale: 'es',
      tags: ['churn-risk', 'vip'],
      properties: { plan: 'free', seats: '3' },
    });
    const badProps = await agent
      .post(`/contacts/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'bob@example.com', properties: 'no colon here' })
      .expect(422);
    expect(badProps.text).toContain('Line 1: write &#34;key: value&#34;');
    const taken = await agent
      .post(`/contacts/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'ADA@example.com' })
      .expect(422);
    expect(taken.text).toContain('Another contact already has this email.');
  });

  it('exports everything held about a contact as JSON', async () => {
    const id = (await idOf('bob@example.com'))!;
    const res = await agent.get(`/contacts/${id}/export.json`).expect(200);
    expect(res.headers['content-disposition']).toContain(`contact-${id}.json`);
    const data = JSON.parse(res.text);
    expect(data.contact).toMatchObject({ email: 'bob@example.com', properties: { plan: 'free', seats: '3' } });
    expect(data.invitations).toHaveLength(1);
    expect(data.invitations[0].tokenHash).toBeUndefined();
    expect(data.responses[0]).toMatchObject({ score: 2, comment: 'Too slow, call me: Bob, +1 555 0100', version: 1 });
    expect(data.responses[0].questions[0].type).toBe('nps');
  });

  it('erases a contact: personal data gone, answer kept anonymised for the charts, link dead, and a re-import is never emailed', async () => {
    const id = (await idOf('bob@example.com'))!;
    const tokens = await t.db.query<{ token_sealed: string }>(
      'SELECT token_sealed FROM deliveries WHERE contact_id = :id',
      { id },
    );
    const token = t.sealer.open(tokens[0]!.token_sealed);
    // Captured copies of their invitation and reminder (the built-in mailbox) are personal data too.
    await t.db.execute(`UPDATE deliveries SET message_id = '<inv-bob>' WHERE contact_id = :id`, { id });
    await t.db.execute(
      `UPDATE reminders SET message_id = '<rem-bob>' WHERE delivery_id IN (SELECT id FROM deliveries WHERE contact_id = :id)`,
      { id },
    );
    await t.db.execute(
      `INSERT INTO mailbox_messages (message_id, subject) VALUES ('<inv-bob>', 'a'), ('<rem-bob>', 'b'), ('<someone-else>', 'c')`,
    );
    const page = await agent.get(`/contacts/${id}`).expect(200);
    // Without the ticked confirmation nothing happens.
    await agent
      .post(`/contacts/${id}/erase`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await idOf('bob@example.com')).toBe(id);
    await agent
      .post(`/contacts/${id}/erase`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), confirm: 'on' })
      .expect(303);

    expect(await idOf('bob@example.com')).toBeUndefined();
    expect(
      (await t.db.query<{ message_id: string }>('SELECT message_id FROM mailbox_messages')).map((m) => m.message_id),
    ).toEqual(['<someone-else>']);
    const dump =
      JSON.stringify(await t.db.query('SELECT * FROM responses')) +
      JSON.stringify(await t.db.query('SELECT * FROM deliveries'));
    expect(dump).not.toContain('Too slow');
    expect(dump).not.toContain(id);
    const [anon] = await t.db.query<{
      score: number;
      contact_id: string | null;
      comment: string | null;
      answers: object;
    }>('SELECT score, contact_id, comment, answers FROM responses WHERE score = 2');
    expect(anon).toEqual({ score: 2, contact_id: null, comment: null, answers: { nps: 2 } });
    const dashboard = await agent.get(`/surveys/${surveyId}`).expect(200);
    expect(dashboard.text).toMatch(/data-testid="responses">2</);
    await request(t.app).get(`/r/${token}`).expect(404);

    await runImport(agent, (await uploadCsv(agent, 'email,name\nBob@Example.com,Bob again\n')).headers.location!);
    expect(
      (await t.db.one<{ status: string }>(`SELECT status FROM contacts WHERE lower(email) = 'bob@example.com'`))!
        .status,
    ).toBe('suppressed');
    const wave = await sendWave(t, agent, surveyId);
    expect(wave.has('Bob@Example.com')).toBe(false);
    expect(wave.has('bob@example.com')).toBe(false);
  });
});
