import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, expectText, launchBrowser } from '../helpers/browser';
import { inviteTeammate } from '../helpers/team';
import { createTestApp, OWNER, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

const run = browserAvailable() ? describe : describe.skip;

run('removing a teammate asks first, on a page that works without JavaScript', () => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp({ mailbox: true });
    server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const owner = await signedInAgent(t.app);
    for (const [name, email] of [
      ['Sam Rivera', 'sam@acme.test'],
      ['Noor Haddad', 'noor@acme.test'],
    ])
      await inviteTeammate(t, owner, { name, email, role: 'member', password: 'temporary pass 1' });
    const id = async (email: string) =>
      (await t.db.one<{ id: string }>(`SELECT id FROM users WHERE email = :email`, { email }))!.id;
    ids.sam = await id('sam@acme.test');
    ids.noor = await id('noor@acme.test');
    // Sam owns two contacts.
    await submitForm(owner, '/contacts', '/contacts/paste', {
      lines: 'Ada, ada@example.com\nGrace, grace@example.com',
    });
    await t.db.execute(`UPDATE contacts SET owner_user_id = :sam`, { sam: ids.sam });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
    await t?.close();
  });

  const signIn = async (page: Page) => {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  };

  it('names who takes over their contacts, lets you choose someone else, says what stays, and removes only on its button', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${base}/team`);
    await page.getByRole('link', { name: 'Remove… Sam Rivera' }).click();
    await page.waitForURL(`${base}/team/${ids.sam}/remove`);
    await expectText(page.getByRole('heading', { level: 1 })).toBe('Remove Sam Rivera from the team?');
    const facts = page.getByTestId('confirm-facts');
    await expectText(facts).toContain(`The 2 contacts they own go to ${OWNER.name}`);
    await expectText(facts).toContain('They own no conversations.');
    await expectText(page.getByTestId('confirm-keeps')).toContain('Every reply and note Sam Rivera wrote stays');
    // (axe cannot run with JavaScript off: the design test checks this page, with and without a phone's width.)

    // Someone else: chosen on the page itself (a plain GET form), which then names them.
    await page.getByLabel('Their conversations and contacts go to').selectOption({ label: 'Noor Haddad' });
    await page.getByRole('button', { name: 'Change' }).click();
    await expectText(facts).toContain('The 2 contacts they own go to Noor Haddad');
    // Cancel leaves them on the team.
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`${base}/team`);
    expect(await t.db.query(`SELECT 1 FROM memberships WHERE user_id = :id`, { id: ids.sam })).toHaveLength(1);

    await page.goto(`${base}/team/${ids.sam}/remove?successorId=${ids.noor}`);
    await page.getByRole('button', { name: 'Remove Sam Rivera' }).click();
    await page.waitForURL(`${base}/team?removed=1`);
    await expectText(page.getByRole('status')).toContain('Teammate removed.');
    expect(await t.db.query(`SELECT 1 FROM memberships WHERE user_id = :id`, { id: ids.sam })).toHaveLength(0);
    const owners = await t.db.query<{ o: string }>(`SELECT DISTINCT owner_user_id AS o FROM contacts`);
    expect(owners).toEqual([{ o: ids.noor }]);
    await context.close();
  });
});
