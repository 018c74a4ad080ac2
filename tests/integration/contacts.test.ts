import { createTestApp, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
});
afterAll(() => t.close());

const emails = async () =>
  (await t.db.query<{ email: string }>('SELECT email FROM contacts ORDER BY email')).map((r) => r.email);

describe('adding contacts', () => {
  it('adds one by the form, and refuses an invalid email with a message on the field', async () => {
    await submitForm(agent, '/contacts', '/contacts', { name: 'Ada', email: 'Ada@Example.com' });
    const bad = await submitForm(agent, '/contacts', '/contacts', { name: 'Bob', email: 'bob@' }, 422);
    expect(bad.text).toContain('Enter an email address like name@example.com.');
    expect(await emails()).toEqual(['ada@example.com']);
  });

  it('refuses a paste with bad lines whole, naming each line, and adds nothing', async () => {
    const res = await submitForm(
      agent,
      '/contacts',
      '/contacts/paste',
      { lines: 'Grace Hopper, grace@example.com\n\nnot an email\nLin, lin@example.com\nAgain, GRACE@example.com' },
      422,
    );
    expect(res.text).toContain('Nothing was added: 2 lines need fixing.');
    expect(res.text).toContain('Line 3: Enter an email address like name@example.com.');
    expect(res.text).toContain('Line 5: grace@example.com is already on line 1.');
    expect(await emails()).toEqual(['ada@example.com']);
  });

  it('adds a good paste, recognising known emails case-insensitively and never renaming them', async () => {
    const res = await submitForm(agent, '/contacts', '/contacts/paste', {
      lines: 'Doe, Jane, jane@example.com\nAda Byron <ADA@example.com>',
    });
    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('Saved: 1 added, 1 already known (left as they were).');
    const [ada] = await t.db.query<{ name: string }>(`SELECT name FROM contacts WHERE email = 'ada@example.com'`);
    expect(ada!.name).toBe('Ada');
    expect(await emails()).toEqual(['ada@example.com', 'jane@example.com']);
    const [jane] = await t.db.query<{ name: string }>(`SELECT name FROM contacts WHERE email = 'jane@example.com'`);
    expect(jane!.name).toBe('Doe, Jane');
  });

  it('never re-subscribes someone who unsubscribed when they are added again', async () => {
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE email = 'jane@example.com'`);
    await submitForm(agent, '/contacts', '/contacts', { name: 'Jane', email: 'jane@example.com' });
    const [jane] = await t.db.query<{ status: string }>(`SELECT status FROM contacts WHERE email = 'jane@example.com'`);
    expect(jane!.status).toBe('unsubscribed');
  });

  it('pages through contacts with a keyset cursor, newest first, with a total and previous/next', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `P${i}, p${String(i).padStart(2, '0')}@example.com`).join('\n');
    await submitForm(agent, '/contacts', '/contacts/paste', { lines });
    const first = await agent.get('/contacts').expect(200);
    expect(first.text).toContain('62 contacts · Newest first');
    expect(first.text).not.toContain('rel="prev"');
    const href = (html: string, rel: string) =>
      new RegExp(`href="([^"]+)" rel="${rel}"`).exec(html)?.[1]?.replace(/&amp;/g, '&');
    const second = await agent.get(href(first.text, 'next')!).expect(200);
    const rowsOn = (html: string) => (html.match(/<tr><td>/g) ?? []).length;
    expect(rowsOn(first.text)).toBe(50);
    expect(rowsOn(second.text)).toBe(12);
    expect(href(second.text, 'next')).toBeUndefined();
    const back = await agent.get(href(second.text, 'prev')!).expect(200);
    expect(back.text.match(/<tr><td>.*?<\/tr>/g)).toEqual(first.text.match(/<tr><td>.*?<\/tr>/g));
    expect(href(back.text, 'prev')).toBeUndefined();
    await agent.get('/contacts?after=garbage').expect(200);
  });

  it('scopes an unknown or malformed id in a URL to a 404, never a database error', async () => {
    await agent.get('/surveys/not-a-uuid').expect(404);
    await agent.get('/surveys/00000000-0000-4000-8000-000000000000').expect(404);
    await agent.get('/waves/123').expect(404);
  });
});
