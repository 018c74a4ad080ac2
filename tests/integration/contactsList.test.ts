import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
});
afterAll(() => t.close());

const idOf = async (email: string) =>
  (await t.db.one<{ id: string }>(`SELECT id FROM contacts WHERE email = :email`, { email }))!.id;
const names = (html: string) =>
  [...html.matchAll(/<tr><td><a href="\/contacts\/[^"]+">([^<]*)<\/a>/g)].map((m) => m[1]);

describe('contacts are never silently renamed', () => {
  it('adding an email that exists shows the existing contact and changes nothing', async () => {
    await submitForm(agent, '/contacts', '/contacts', { name: 'Ada Lovelace', email: 'ada@example.com' });
    const res = await submitForm(agent, '/contacts', '/contacts', { name: 'Someone Else', email: 'ADA@example.com' });
    const id = await idOf('ada@example.com');
    expect(res.headers.location).toBe(`/contacts/${id}?known=1`);
    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('This email is already one of your contacts: here they are. Nothing was changed.');
    expect(page.text).toContain('<h1>Ada Lovelace</h1>');
    expect(await t.db.query(`SELECT name FROM contacts`)).toEqual([{ name: 'Ada Lovelace' }]);
  });

  it('a paste fills in a blank name but never replaces one', async () => {
    await submitForm(agent, '/contacts', '/contacts/paste', { lines: 'bob@example.com' });
    await submitForm(agent, '/contacts', '/contacts/paste', {
      lines: 'Bob Builder <bob@example.com>\nAda Byron, ada@example.com',
    });
    const rows = await t.db.query<{ email: string; name: string }>(`SELECT email, name FROM contacts ORDER BY email`);
    expect(rows).toEqual([
      { email: 'ada@example.com', name: 'Ada Lovelace' },
      { email: 'bob@example.com', name: 'Bob Builder' },
    ]);
  });
});

describe('the contacts list', () => {
  beforeAll(async () => {
    await submitForm(agent, '/contacts', '/contacts/paste', { lines: 'Zoe <zoe@example.com>\ncarl@example.com' });
    // Ada answered long ago, Zoe yesterday; Bob and Carl never.
    await t.db.execute(
      `UPDATE contacts SET last_answered_at = CASE email WHEN 'ada@example.com' THEN now() - interval '30 days'
         WHEN 'zoe@example.com' THEN now() - interval '1 day' END`,
    );
  });

  it('sorts newest first by default, by name (else email), or by last answer, and says the total', async () => {
    const newest = await agent.get('/contacts').expect(200);
    expect(newest.text).toContain('4 contacts · Newest first');
    // Zoe and carl@ came in one paste (the same instant): the id breaks the tie, the same way every time.
    expect(names(newest.text).slice(2)).toEqual(['Bob Builder', 'Ada Lovelace']);
    expect(names(newest.text).slice(0, 2).sort()).toEqual(['Zoe', '—']);
    const byName = await agent.get('/contacts?sort=name').expect(200);
    expect(names(byName.text)).toEqual(['Ada Lovelace', 'Bob Builder', '—', 'Zoe']); // "—" is carl@ by email
    expect(byName.text).toContain('<option value="name" selected>');
    const byAnswer = await agent.get('/contacts?sort=answered').expect(200);
    expect(names(byAnswer.text).slice(0, 2)).toEqual(['Zoe', 'Ada Lovelace']);
    const filtered = await agent.get('/contacts?q=zoe').expect(200);
    expect(filtered.text).toContain('1 contact matches');
    await agent.get('/contacts?sort=nonsense').expect(200);
  });

  it('keeps the order and filter across pages, with the same rows back and forth', async () => {
    const lines = Array.from({ length: 55 }, (_, i) => `Name ${String(i).padStart(2, '0')} <n${i}@example.com>`);
    await submitForm(agent, '/contacts', '/contacts/paste', { lines: lines.join('\n') });
    const first = await agent.get('/contacts?sort=name').expect(200);
    const next = /href="([^"]+)" rel="next"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    expect(next).toContain('sort=name');
    const second = await agent.get(next).expect(200);
    // Ada, Bob, carl@ (by email), Name 00 … Name 46 | Name 47 … Name 54, Zoe.
    expect(names(first.text)).toHaveLength(50);
    expect(names(first.text).slice(0, 4)).toEqual(['Ada Lovelace', 'Bob Builder', '—', 'Name 00']);
    expect(names(second.text)).toEqual([...Array.from({ length: 8 }, (_, i) => `Name ${47 + i}`), 'Zoe']);
    const prev = /href="([^"]+)" rel="prev"/.exec(second.text)![1]!.replace(/&amp;/g, '&');
    expect(names((await agent.get(prev).expect(200)).text)).toEqual(names(first.text));
  });
});

describe('a contact page', () => {
  it('names the languages, and shows an unsubscribe on the timeline', async () => {
    const id = await idOf('zoe@example.com');
    const page = await agent.get(`/contacts/${id}`).expect(200);
    expect(page.text).toContain('<option value="fr" >Français (French)</option>');
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed', locale = 'de' WHERE id = :id`, { id });
    const after = await agent.get(`/contacts/${id}`).expect(200);
    expect(after.text).toContain('Unsubscribed: they asked to receive no more surveys.');
    expect(after.text).toContain('<dd>Deutsch (German)</dd>');
  });

  it('deleting asks first and says what stays; only the confirmed POST deletes', async () => {
    const id = await idOf('zoe@example.com');
    const page = await agent.get(`/contacts/${id}/delete`).expect(200);
    expect(page.text).toContain('Delete Zoe (zoe@example.com)?');
    expect(page.text).toContain('Their answers stay in the dashboards, without their name.');
    expect(page.text).toContain('Their address stays on the suppression list (unsubscribed)');
    await agent
      .post(`/contacts/${id}/delete`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await t.db.query(`SELECT id FROM contacts WHERE id = :id`, { id })).toHaveLength(1);
    await agent.post(`/contacts/${id}/delete`).type('form').send({ confirm: 'yes' }).expect(403);
    await submitForm(agent, `/contacts/${id}/delete`, `/contacts/${id}/delete`, { confirm: 'yes' });
    expect(await t.db.query(`SELECT id FROM contacts WHERE id = :id`, { id })).toHaveLength(0);
  });

  it('deleting a segment asks first and keeps its contacts', async () => {
    await submitForm(agent, '/contacts?q=name', '/contacts/segments', { q: 'name', name: 'Named' });
    const [seg] = await t.db.query<{ id: string }>(`SELECT id FROM segments WHERE name = 'Named'`);
    const list = await agent.get('/contacts/segments').expect(200);
    expect(list.text).toContain(`href="/contacts/segments/${seg!.id}/delete"`);
    const page = await agent.get(`/contacts/segments/${seg!.id}/delete`).expect(200);
    expect(page.text).toContain('Every contact in it: a segment is only a saved filter.');
    await submitForm(agent, `/contacts/segments/${seg!.id}/delete`, `/contacts/segments/${seg!.id}/delete`, {
      confirm: 'yes',
    });
    expect(await t.db.query(`SELECT id FROM segments`)).toHaveLength(0);
    expect(Number((await t.db.one<{ n: string }>(`SELECT count(*) AS n FROM contacts`))!.n)).toBe(58);
  });
});
