import {
  axeViolations,
  browserAvailable,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';

const run = browserAvailable() ? describe : describe.skip;

run("the team's pages pass axe-core", () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession({ WORKER_ENABLED: 'false' });
  });
  afterAll(() => session?.close());

  it('setup, surveys, the dashboard, the builder, contacts, schedules, team, settings and the mailbox have no violations', async () => {
    const { page, rapport } = session;
    const base = rapport.url;
    await page.goto(base);
    const found: Record<string, string[]> = {};
    const check = async (name: string) => {
      const v = await axeViolations(page);
      if (v.length) found[name] = v;
    };
    await check('setup');
    await setUpWorkspace(page, base);
    await check('surveys (empty)');
    await page.goto(`${base}/surveys/new`);
    await check('new survey');
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]{36}/);
    const survey = page.url().replace(/\/edit$/, '');
    await page.goto(`${base}/contacts`);
    await page.getByLabel('One per line: name, email').fill('Ada Lovelace, ada@example.com');
    await page.getByRole('button', { name: 'Add contacts' }).click();
    await check('contacts');
    for (const [name, path] of [
      ['dashboard', survey],
      ['builder', `${survey}/edit`],
      ['send now', `${survey}/send`],
      ['schedules', `${survey}/schedules`],
      ['new schedule', `${survey}/schedules/new`],
      ['import', '/contacts/import'],
      ['segments', '/contacts/segments'],
      ['team', '/team'],
      ['settings', '/settings'],
      ['mailbox', '/mailbox'],
    ] as const) {
      await page.goto(path.startsWith('http') ? path : `${base}${path}`);
      await check(name);
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await check('login');
    expect(found).toEqual({});
  });
});
