import request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { runImport, sendWave, stat, uploadCsv } from '../helpers/audience';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp({ importMaxBytes: 64 * 1024 });
  agent = await signedInAgent(t.app);
});
afterAll(() => t.close());

const contact = (email: string) =>
  t.db.one<{
    id: string;
    name: string;
    status: string;
    locale: string | null;
    tags: string[];
    properties: Record<string, string>;
  }>('SELECT id, name, status, locale, tags, properties FROM contacts WHERE lower(email) = lower(:email)', { email });
const importCount = async () => (await t.db.one<{ n: number }>('SELECT count(*) AS n FROM contact_imports'))!.n;

describe('a file that cannot be imported is refused whole, with a message, and nothing is kept', () => {
  it.each([
    [
      'without an email column',
      'name,company\nAda,Acme\nGrace,Navy\n',
      'We found no email column in this file (columns: &#34;name&#34;, &#34;company&#34;)',
    ],
    [
      'in Latin-1 instead of UTF-8',
      Buffer.from('email,name\nrene@example.com,Ren\xe9\n', 'latin1'),
      'This file is not in UTF-8',
    ],
    [
      'in UTF-16',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\nada@example.com\n', 'utf16le')]),
      'This file is saved as UTF-16.',
    ],
    ['empty', '', 'This file is empty.'],
    ['with a header and no rows', 'email,name\n', 'This file has a header row but no contacts below it.'],
    ['over the size limit', `email\n${'someone@example.com\n'.repeat(4000)}`, 'This file is over the 0 MB limit.'],
  ])('%s', async (_what, file, message) => {
    const res = await uploadCsv(agent, file as string, 'list.csv', 422);
    expect(res.text).toContain(message);
    expect(await importCount()).toBe(0);
    expect(await t.db.query('SELECT 1 FROM contact_import_chunks')).toHaveLength(0);
    expect(await t.db.query('SELECT 1 FROM contacts')).toHaveLength(0);
  });

  it('refuses an upload without the CSRF token', async () => {
    await request
      .agent(t.app)
      .post('/contacts/imports')
      .attach('file', Buffer.from('email\na@b.co\n'), 'x.csv')
      .expect(403);
  });
});

describe('mapping, preview, import and the report of refused rows', () => {
  let jobUrl: string;
  const FILE = [
    'E-mail;Prénom;Nom;Langue;Plan;Tags',
    'ada@example.com;Ada;Lovelace;fr-FR;pro;vip, beta',
    'not-an-email;Bob;Smith;en;free;',
    'grace@example.com;Grace;Hopper;klingon;pro;',
    'ADA@example.com;Ada;Again;en;free;',
    'lin@example.com;Lin;;de;team;',
    '',
  ].join('\r\n');

  it('guesses the mapping (semicolons, French headers, email by name), and previews the first rows with their problems', async () => {
    const res = await uploadCsv(agent, `\uFEFF${FILE}`);
    jobUrl = res.headers.location!;
    const page = await agent.get(jobUrl).expect(200);
    const selected = [...page.text.matchAll(/<option value="(\w+)" selected>/g)].map((m) => m[1]);
    expect(selected).toEqual(['email', 'first_name', 'last_name', 'locale', 'property', 'tags']);
    expect(page.text).toContain('Invalid email &#34;not-an-email&#34;.');
    expect(page.text).toContain('Unknown locale &#34;klingon&#34;: use en, fr, de or es (or leave it empty).');
  });

  it('imports the good rows, upserting by email, and reports each refused row with its reason, downloadable as CSV', async () => {
    await submitForm(agent, '/contacts', '/contacts', { name: 'Lin Known', email: 'lin@example.com' });
    const done = await runImport(agent, jobUrl, { addTags: 'crm-import' });
    expect(done).toContain('Import finished.');
    expect([stat(done, 'rows'), stat(done, 'added'), stat(done, 'updated'), stat(done, 'refused')]).toEqual([
      5, 1, 1, 3,
    ]);
    expect(await contact('ada@example.com')).toMatchObject({
      name: 'Ada Lovelace',
      locale: 'fr',
      status: 'subscribed',
      tags: ['beta', 'crm-import', 'vip'],
      properties: { Plan: 'pro' },
    });
    expect(await contact('lin@example.com')).toMatchObject({ name: 'Lin', locale: 'de', properties: { Plan: 'team' } });
    expect(await contact('grace@example.com')).toBeUndefined();

    const csv = await agent.get(`${jobUrl}/refusals.csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('attachment');
    expect(csv.text.trim().split('\n')).toEqual([
      'row,email,reason',
      '3,not-an-email,"Invalid email ""not-an-email""."',
      '4,grace@example.com,"Unknown locale ""klingon"": use en, fr, de or es (or leave it empty)."',
      '5,ada@example.com,Duplicate: the same email is on row 2.',
    ]);
    // The uploaded file is deleted once imported.
    expect(await t.db.query('SELECT 1 FROM contact_import_chunks')).toHaveLength(0);
  });

  it('runs a started import only once', async () => {
    const page = await agent.get(jobUrl).expect(200);
    const again = await agent
      .post(jobUrl)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'import' })
      .expect(422);
    expect(again.text).toContain('This import has already started.');
    expect((await t.db.one<{ n: number }>('SELECT count(*) AS n FROM contacts'))!.n).toBe(2);
  });
});

describe('suppression survives everything', () => {
  it('never re-subscribes a contact who unsubscribed or bounced, and re-importing a deleted unsubscriber keeps them unsubscribed', async () => {
    const survey = await submitForm(agent, '/surveys/new', '/surveys', { template: 'how-are-we-doing' });
    const surveyId = survey.headers.location!.split('/')[2]!;
    await submitForm(agent, '/contacts', '/contacts/paste', { lines: 'Una, una@example.com\nBea, bea@example.com' });
    const tokens = await sendWave(t, agent, surveyId);
    await request(t.app)
      .post(`/r/${tokens.get('una@example.com')}/unsubscribe`)
      .expect(200);
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE email = 'bea@example.com'`);

    let done = await runImport(
      agent,
      (await uploadCsv(agent, 'email,name\nuna@example.com,Una U\nbea@example.com,Bea B\n')).headers.location!,
    );
    expect(stat(done, 'updated')).toBe(2);
    expect((await contact('una@example.com'))!.status).toBe('unsubscribed');
    expect((await contact('bea@example.com'))!.status).toBe('bounced');

    for (const email of ['una@example.com', 'bea@example.com']) {
      const page = await agent.get(`/contacts/${(await contact(email))!.id}`).expect(200);
      await agent
        .post(`/contacts/${(await contact(email))!.id}/delete`)
        .type('form')
        .send({ confirm: 'yes', _csrf: csrfFrom(page.text) })
        .expect(303);
    }
    expect(await contact('una@example.com')).toBeUndefined();
    done = await runImport(
      agent,
      (await uploadCsv(agent, 'email\nUNA@example.com\nbea@example.com\nnew@example.com\n')).headers.location!,
    );
    expect([stat(done, 'added'), stat(done, 'kept-suppressed')]).toEqual([3, 2]);
    expect((await contact('una@example.com'))!.status).toBe('unsubscribed');
    expect((await contact('bea@example.com'))!.status).toBe('bounced');
    expect((await contact('new@example.com'))!.status).toBe('subscribed');

    // The outbox's audience (status = 'subscribed') leaves them out.
    const again = await sendWave(t, agent, surveyId);
    expect(again.has('una@example.com')).toBe(false);
  });

  it('an unsubscribed contact whose email is edited stays unsubscribed, and the new address is listed too', async () => {
    const una = (await contact('una@example.com'))!;
    const page = await agent.get(`/contacts/${una.id}`).expect(200);
    await agent
      .post(`/contacts/${una.id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: 'Una', email: 'una@new.example.com' })
      .expect(303);
    expect((await contact('una@new.example.com'))!.status).toBe('unsubscribed');
    await agent
      .post(`/contacts/${una.id}/delete`)
      .type('form')
      .send({ confirm: 'yes', _csrf: csrfFrom(page.text) })
      .expect(303);
    await submitForm(agent, '/contacts', '/contacts', { email: 'una@new.example.com' });
    expect((await contact('una@new.example.com'))!.status).toBe('unsubscribed');
  });

  it('a manually suppressed address is created suppressed by the "add" form too, and the team can lift only its own suppression', async () => {
    const page = await agent.get('/contacts/suppressions').expect(200);
    await agent
      .post('/contacts/suppressions')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), emails: 'quiet@example.com, Hush@Example.com' })
      .expect(303);
    await submitForm(agent, '/contacts', '/contacts', { name: 'Hush', email: 'hush@example.com' });
    const hush = (await contact('hush@example.com'))!;
    expect(hush.status).toBe('suppressed');
    const list = await agent.get('/contacts/suppressions').expect(200);
    expect(list.text).toContain('hush@example.com');
    expect(list.text).not.toContain('quiet@example.com'); // only a hash is kept for an address with no contact

    const show = await agent.get(`/contacts/${hush.id}`).expect(200);
    await agent
      .post(`/contacts/${hush.id}/unsuppress`)
      .type('form')
      .send({ _csrf: csrfFrom(show.text) })
      .expect(303);
    expect((await contact('hush@example.com'))!.status).toBe('subscribed');
    const bea = (await contact('bea@example.com'))!;
    await agent
      .post(`/contacts/${bea.id}/unsuppress`)
      .type('form')
      .send({ _csrf: csrfFrom(show.text) })
      .expect(409);
  });
});
