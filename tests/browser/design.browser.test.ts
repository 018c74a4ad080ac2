import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, browserAvailable, expectText, launchBrowser } from '../helpers/browser';
import { routeTable } from '../helpers/routes';
import {
  createSurvey,
  createTestApp,
  csrfFrom,
  OWNER,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';
import { png } from '../factories/images';
import { sendWave } from '../helpers/audience';
import { EVERY_TYPE, seedDelivery, seedSurvey } from '../factories/respondent';
import { inviteTeammate } from '../helpers/team';

/**
 * Every team page, found in the app's own route table and opened with real ids from seeded data, at a phone's
 * 375 px and a laptop's 1280 px: no horizontal overflow, zero axe-core violations, and a full-page screenshot
 * under artifacts/screenshots/ (git-ignored; CI keeps the folder) so anyone can look at them.
 */
export const SCREENSHOTS = path.resolve(__dirname, '../../artifacts/screenshots');
const WIDTHS = [375, 1280] as const;
/** A generous net for the sweeps (they wait on pages, never on a clock). */
const SLOW_MS = 900_000;
/** The workspace's brand in the screenshots: a teal, with a logo. */
const BRAND = '#0f766e';

/** GET routes that are not pages a person looks at, and why. Anything else in the route table is visited. */
const NOT_PAGES: [RegExp, string][] = [
  [/^\/r\//, 'respondent pages: checked on their own below and in respond.browser.test.ts'],
  [/^\/api\/v1\/(?!docs$)/, 'the JSON API: the api tests check every answer against its OpenAPI document'],
  [/^\/v1\//, "the Delighted-compatible JSON door: the delighted client's test"],
  [/^\/digest\/unsubscribe\//, 'a digest email link (a token, no team page): digest tests cover it'],
  [/^\/(healthz|readyz|metrics)$/, 'machine endpoints'],
  [/\.(csv|jsonl|json)$/, 'downloads'],
  [/^\/schedules\/preview$/, 'JSON for the schedule form'],
  [/^\/brand\//, 'images'],
  [/^\/logout$/, 'an action'],
  [
    /^\/login\/code$/,
    'the second step of a two-factor sign-in (a redirect without a password first): twoFactor.test.ts',
  ],
  [/^\/(reset|invitations)\/:token$/, "signed-out pages reached from an email's link: people.test.ts"],
  [/^\/signup$/, 'off unless SIGNUP_ENABLED (a 404 here); the page is checked in workspaces.test.ts'],
];

const run = browserAvailable() ? describe : describe.skip;

run('every team page at 375 and 1280 px: no horizontal overflow, no axe violation, a screenshot', () => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof signedInAgent>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
    t = await createTestApp({ mailbox: true, inbound: true, webhooksAllowPrivate: true });
    server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    owner = await signedInAgent(t.app);
    const workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;

    // A survey with answers, people, segments, a schedule, a sent wave, mail in the mailbox and an import.
    ids.survey = await createSurvey(owner);
    await submitForm(owner, '/contacts', '/contacts/paste', {
      lines: [
        'Ada Lovelace, ada@example.com',
        'Grace Hopper, grace@example.com',
        'Katherine Johnson, katherine.johnson@example.com',
        'Alan Turing, alan@example.com',
        'Hedy Lamarr, hedy@example.com',
        'Édouard Lévêque-Montmorency, edouard.leveque-montmorency@exemple-tres-long.fr',
      ].join('\n'),
    });
    ids.contact = (await t.db.one<{ id: string }>(`SELECT id FROM contacts WHERE email = 'ada@example.com'`))!.id;
    for (const [name, tag] of [
      ['VIPs', 'vip'],
      ['Beta testers', 'beta'],
    ])
      await submitForm(owner, '/contacts', '/contacts/segments', { name, tag });
    [ids.segment, ids.segment2] = (await t.db.query<{ id: string }>(`SELECT id FROM segments ORDER BY name`)).map(
      (r) => r.id,
    );
    const tokens = await sendWave(t, owner, ids.survey);
    ids.npsToken = [...tokens.values()][0]!;
    await t.worker.drainOnce();
    ids.wave = (await t.db.one<{ id: string }>(`SELECT id FROM waves`))!.id;
    const comments = [
      'Nobody answered my ticket for three days.',
      'Great support, fast and kind.',
      'The new dashboard is confusing; I could not find the export.',
      'Fine.',
      '',
    ];
    for (const [i, token] of [...tokens.values()].entries()) {
      await request(t.app)
        .post(`/r/${token}`)
        .type('form')
        .send({ nps: String([3, 10, 6, 8, 9, 2][i]), reason: comments[i] ?? '' })
        .expect(303);
    }
    ids.response = (await t.db.one<{ id: string }>(`SELECT id FROM responses ORDER BY score LIMIT 1`))!.id;
    // The customer wrote back (with an attachment), and a message that matched nothing (Inbox → Unmatched).
    await t.db.execute(
      `INSERT INTO inbound_messages (workspace_id, response_id, message_id, kind, matched_by, source, from_address, from_name, subject, body, attachments)
       VALUES (:w, :r, '<design-1@customer.test>', 'reply', 'token', 'smtp', 'ada@example.com', 'Ada Lovelace', 'Re: survey',
         'Thanks, that helps. Here is the screen I meant.', '[{"name":"export-error.png","type":"image/png","size":48213}]'),
         (:w, NULL, '<design-2@elsewhere.test>', 'reply', NULL, 'imap', 'someone@elsewhere.test', '', 'Question about pricing',
         'Hello, who do I talk to about a bigger plan?', '[]')`,
      { w: workspaceId, r: ids.response },
    );
    ids.question = 'reason';
    await submitForm(owner, `/surveys/${ids.survey}/schedules/new`, `/surveys/${ids.survey}/schedules`, {
      preset: 'custom',
      cron: '0 9 * * 1',
      timeZone: 'Europe/Paris',
      cadence: 'everyone',
      reminderCount: '1',
      reminderDays: '3',
      intent: 'save',
    });
    ids.schedule = (await t.db.one<{ id: string }>(`SELECT id FROM schedules`))!.id;
    ids.import = (await t.db.one<{ id: string }>(
      `INSERT INTO contact_imports (workspace_id, created_by, filename, status, delimiter, headers)
       SELECT :w, id, 'crm-export.csv', 'uploaded', ',', '["Email","Name","Plan"]' FROM users LIMIT 1 RETURNING id`,
      { w: workspaceId },
    ))!.id;
    await t.db.query(
      `INSERT INTO contact_import_chunks (import_id, seq, data) VALUES (:i, 0, convert_to(:text, 'UTF8')) RETURNING seq`,
      { i: ids.import, text: 'Email,Name,Plan\nzoe@example.com,Zoe,pro\nnot-an-email,Bad,free\n' },
    );
    ids.mail = (await t.db.one<{ id: string }>(
      `SELECT id::text FROM mailbox_messages ORDER BY received_at LIMIT 1`,
    ))!.id;
    // A survey with every kind of question, for the builder and the respondent's page.
    ids.everyType = await seedSurvey(t.db, workspaceId, { questions: EVERY_TYPE, title: 'After your support chat' });
    ids.csatToken = (await seedDelivery(t.db, t.sealer, workspaceId, ids.everyType)).token;

    // A webhook endpoint with a test event in its log (no receiver listens: the log shows the failure too).
    const hooks = await owner.get('/settings/webhooks').expect(200);
    await owner
      .post('/settings/webhooks')
      .type('form')
      .send(
        new URLSearchParams([
          ['_csrf', csrfFrom(hooks.text)],
          ['url', 'http://127.0.0.1:9/hooks/rapport'],
          ['description', 'CRM sync'],
          ['format', 'standard'],
          ['events', 'response.confirmed'],
        ]).toString(),
      )
      .expect(200);
    ids.webhook = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_endpoints`))!.id;
    await submitForm(owner, `/settings/webhooks/${ids.webhook}`, `/settings/webhooks/${ids.webhook}/test`, {});
    ids.webhookDelivery = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_deliveries`))!.id;
    // A saved reply (offered as a draft on the answer page), and an unhappy answer waiting 30 h: overdue.
    await submitForm(owner, '/saved-replies', '/saved-replies', {
      title: 'Export fixed',
      body: 'Thanks for telling us. We rebuilt exports last week; could you try again?',
    });
    await t.db.execute(
      `UPDATE conversations SET awaiting_since = now() - interval '30 hours' WHERE response_id = :id`,
      {
        id: ids.response,
      },
    );
    // A "You said, we did" update drafted from the theme "export" (one comment mentions it).
    const drafted = await submitForm(owner, '/saved-replies', '/updates', {
      survey: ids.survey,
      question: 'reason',
      theme: 'export',
      body: 'You told us the export was hard to find: it is now on the dashboard’s first screen.',
    });
    ids.update = drafted.headers.location!.split('/')[2]!;
    // The brand: a colour and a logo, as Settings → Brand sets them.
    await submitForm(owner, '/settings', '/settings/brand', { brandColor: BRAND, action: 'save' });
    const settings = await owner.get('/settings').expect(200);
    await owner
      .post('/settings/logo')
      .field('_csrf', csrfFrom(settings.text))
      .attach('logo', png(180, 48), { filename: 'acme.png', contentType: 'image/png' })
      .expect(303);

    // An API key (its revocation asks first, on a page of its own).
    await submitForm(owner, '/settings/api-keys', '/settings/api-keys', { name: 'CRM sync', scopes: 'read' }, 201);
    ids.apiKey = (await t.db.one<{ id: string }>(`SELECT id FROM api_keys`))!.id;
    // A teammate who owns a contact (the Team page's "Remove…" leads to a page naming who takes it over).
    await inviteTeammate(t, owner, {
      name: 'Sam Rivera',
      email: 'sam@acme.test',
      role: 'member',
      password: 'temporary pass 1',
    });
    ids.teammate = (await t.db.one<{ id: string }>(`SELECT id FROM users WHERE email = 'sam@acme.test'`))!.id;
    await t.db.execute(`UPDATE contacts SET owner_user_id = :sam WHERE email = 'grace@example.com'`, {
      sam: ids.teammate,
    });

    browser = await launchBrowser();
  }, SLOW_MS);

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
    await t?.close();
  });

  /** The id a route's parameter names, by the route's shape (as the fuzz test does). */
  const param = (route: string, name: string): string => {
    if (name === 'question') return ids.question!;
    if (name === 'deliveryId') return ids.webhookDelivery!;
    if (route.startsWith('/settings/webhooks/')) return ids.webhook!;
    if (route.startsWith('/settings/api-keys/')) return ids.apiKey!;
    if (route.startsWith('/contacts/imports/')) return ids.import!;
    if (route.startsWith('/contacts/segments/')) return ids.segment!;
    if (route.startsWith('/contacts/')) return ids.contact!;
    if (route.startsWith('/surveys/')) return ids.survey!;
    if (route.startsWith('/schedules/')) return ids.schedule!;
    if (route.startsWith('/waves/')) return ids.wave!;
    if (route.startsWith('/inbox/')) return ids.response!;
    if (route.startsWith('/updates/')) return ids.update!;
    if (route.startsWith('/mailbox/')) return ids.mail!;
    if (route.startsWith('/team/')) return ids.teammate!;
    throw new Error(`No seeded id for :${name} in ${route}: seed one in this test`);
  };

  /** Pages that need a query to show anything (a comparison needs its two segments). */
  const QUERY: Record<string, () => string> = {
    '/surveys/:id/compare': () => `?a=${ids.segment}&b=${ids.segment2}`,
    '/updates/new': () => `?survey=${ids.survey}&question=reason&theme=export`,
  };

  const signIn = async (page: Page) => {
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  };

  /** What is wrong with the page as shown: wider than the screen, or axe-core violations. */
  const check = async (page: Page, name: string, width: number): Promise<string[]> => {
    const problems: string[] = [];
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    if (scrollWidth > innerWidth)
      problems.push(`${name} @${width}: ${scrollWidth} px wide on a ${innerWidth} px screen`);
    for (const v of await axeViolations(page)) problems.push(`${name} @${width}: axe ${v}`);
    // Cards without empty space above their headings: the first thing shown in a card starts at its padding (a
    // filter grid aligns its fields' bottoms on purpose, so a shorter label sits lower: not a band).
    const banded = await page.locator('.card:not(.filters):visible').evaluateAll((cards) =>
      cards.flatMap((card) => {
        const first = Array.from(card.children).find(
          (c) => (c as HTMLElement).offsetParent !== null || c.tagName === 'SUMMARY',
        );
        if (!first) return [];
        const gap = first.getBoundingClientRect().top - card.getBoundingClientRect().top;
        const padding =
          parseFloat(getComputedStyle(card).paddingTop) + parseFloat(getComputedStyle(card).borderTopWidth);
        return gap - padding > 2
          ? [`${first.tagName.toLowerCase()} ${Math.round(gap - padding)} px below the padding`]
          : [];
      }),
    );
    for (const b of banded) problems.push(`${name} @${width}: a card's ${b}`);
    // A table stacked on a phone hides its header row: a field in a cell needs the cell's data-label (or a label
    // of its own in the cell), or nobody can tell what it is for.
    if (width < 640) {
      const unlabelled = await page
        .locator('table:not(.keep) td:not([data-label]) :is(select, input[type="text"], textarea):visible')
        .evaluateAll((fields) =>
          fields
            .filter((f) => !f.closest('td')!.querySelector(`label[for="${f.id}"]`))
            .map((f) => (f as HTMLInputElement).name),
        );
      for (const f of unlabelled) problems.push(`${name} @${width}: the stacked field "${f}" shows no label`);
    }
    // The nav says where you are: one section is current on every page that has the nav (your own account, a new
    // workspace and the signed-out pages belong to none: the header's name link is current on /account).
    const current = await page.locator('nav[aria-label="Main"] [aria-current="page"]').count();
    const sectionless = /^\/(account|workspaces\/new|setup|login|forgot)/.test(name);
    if ((await page.locator('nav[aria-label="Main"]').count()) && current !== (sectionless ? 0 : 1))
      problems.push(`${name} @${width}: ${current} current sections in the nav`);
    // Button hierarchy: at most one primary action in view on a page.
    const primaries = await page.locator('.primary:visible').allTextContents();
    if (primaries.length > 1)
      problems.push(`${name} @${width}: ${primaries.length} primary buttons (${primaries.join(', ')})`);
    const slug = name.replace(/[^\w.-]+/g, '_').replace(/^_|_$/g, '') || 'home';
    const file = path.join(SCREENSHOTS, String(width), `${slug}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    return problems;
  };

  // One test per width: 30-odd pages with axe and full-page screenshots take minutes on a busy machine.
  it.each(WIDTHS)(
    'visits every GET page of the route table at %i px, signed in, with seeded ids',
    async (width) => {
      const routes = routeTable(t.app).filter((r) => r.method === 'GET');
      const pages = routes.filter((r) => !NOT_PAGES.some(([re]) => re.test(r.path)));
      expect(pages.length).toBeGreaterThan(20);
      const problems: string[] = [];
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      await signIn(page);
      for (const route of pages) {
        const url =
          route.path.replace(/:(\w+)/g, (_m, name: string) => param(route.path, name)) + (QUERY[route.path]?.() ?? '');
        const res = await page.goto(`${base}${url}`);
        const type = res?.headers()['content-type'] ?? '';
        if (!type.startsWith('text/html')) {
          problems.push(`${route.path}: answered ${type || 'nothing'}; add it to NOT_PAGES with a reason`);
          continue;
        }
        if (res!.status() >= 400) problems.push(`${route.path}: ${res!.status()}`);
        problems.push(...(await check(page, route.path, width)));
      }
      await context.close();
      console.log(`design: ${pages.length} team pages at ${width} px → ${path.join(SCREENSHOTS, String(width))}`);
      expect(problems).toEqual([]);
    },
    SLOW_MS,
  );

  it(
    'a brand too light for white text (yellow) keeps every pair readable: axe finds no contrast problem',
    async () => {
      await submitForm(owner, '/settings', '/settings/brand', { brandColor: '#ffd400', action: 'save' });
      const problems: string[] = [];
      for (const width of WIDTHS) {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        await signIn(page);
        for (const [name, url] of [
          ['brand-yellow-surveys', '/surveys'],
          ['brand-yellow-dashboard', `/surveys/${ids.survey}`],
          ['brand-yellow-settings', '/settings'],
          ['brand-yellow-respondent', `/r/${ids.npsToken}`],
        ] as const) {
          await page.goto(`${base}${url}`);
          problems.push(...(await check(page, name, width)));
        }
        await context.close();
      }
      await submitForm(owner, '/settings', '/settings/brand', { brandColor: BRAND, action: 'save' });
      expect(problems).toEqual([]);
    },
    SLOW_MS,
  );

  it(
    'signed-out pages (sign-in) and the respondent pages pass too',
    async () => {
      const problems: string[] = [];
      for (const width of WIDTHS) {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${base}/login`);
        problems.push(...(await check(page, 'login', width)));
        await page.goto(`${base}/r/${ids.csatToken}`);
        problems.push(...(await check(page, 'respondent-every-type', width)));
        await context.close();
      }
      expect(problems).toEqual([]);
    },
    SLOW_MS,
  );

  it(
    'on a phone the filters of the Inbox, Contacts and the dashboard are folded and the list is above the fold; on a laptop they show',
    async () => {
      const lists = [
        ['inbox', '/inbox', '?band=detractor&owner=mine', 2, '[data-testid="inbox-row"]'],
        ['contacts', '/contacts', '?status=subscribed', 1, 'table tbody tr'],
        ['dashboard', `/surveys/${ids.survey}`, '?tag=vip&owner=', 1, '[data-testid="nps"]'],
      ] as const;
      const problems: string[] = [];
      const tops: string[] = [];
      // An iPhone's 375 × 812 (a full-page screenshot of each is taken by check()).
      const phone = await browser.newContext({ viewport: { width: 375, height: 812 } });
      const page = await phone.newPage();
      await signIn(page);
      for (const [name, url, filtered, active, list] of lists) {
        await page.goto(`${base}${url}`);
        const fold = page.getByTestId('filters');
        expect({ name, open: await fold.evaluate((d: HTMLDetailsElement) => d.open) }).toEqual({ name, open: false });
        expect({ name, form: await fold.locator('form').isVisible() }).toEqual({ name, form: false });
        await expectText(fold.locator('summary')).toBe('Filters');
        const top = await page
          .locator(list)
          .first()
          .evaluate((el) => el.getBoundingClientRect().top);
        if (top >= 812) problems.push(`${name}: the list starts at ${Math.round(top)} px, below the fold`);
        tops.push(`${name} ${Math.round(top)} px`);
        problems.push(...(await check(page, `phone-${name}`, 375)));
        // Filtered: the summary counts them, still folded; a tap opens them (no JavaScript needed for that).
        await page.goto(`${base}${url}${filtered}`);
        await expectText(fold.locator('summary')).toBe(`Filters (${active} active)`);
        expect(await fold.locator('form').isVisible()).toBe(false);
        await fold.locator('summary').click();
        expect(await fold.locator('form').isVisible()).toBe(true);
        problems.push(...(await check(page, `phone-${name}-filters-open`, 375)));
      }
      await phone.close();
      console.log(`phone (375 × 812): the list starts at ${tops.join(', ')}`);
      const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const wide = await laptop.newPage();
      await signIn(wide);
      for (const [name, url] of lists) {
        await wide.goto(`${base}${url}`);
        const fold = wide.getByTestId('filters');
        expect({ name, form: await fold.locator('form').isVisible() }).toEqual({ name, form: true });
        expect({ name, summary: await fold.locator('summary').isVisible() }).toEqual({ name, summary: false });
      }
      await laptop.close();
      expect(problems).toEqual([]);
    },
    SLOW_MS,
  );

  /** The tops of the options of each scale on the page (or in its preview frame): one row has one top. */
  const scaleRows = (root: Page | ReturnType<Page['frameLocator']>, scale: string) =>
    root
      .locator(`fieldset.${scale} .opts label`)
      .evaluateAll((labels) => [...new Set(labels.map((l) => Math.round(l.getBoundingClientRect().top)))].length);

  /** Words split over two lines inside an element (a label broken mid-word shows as one word on two lines). */
  const brokenWords = (root: Page, selector: string) =>
    root.locator(selector).evaluateAll((els) =>
      els.flatMap((el) => {
        const node = el.firstChild;
        if (!node || node.nodeType !== Node.TEXT_NODE) return [];
        const text = node.textContent ?? '';
        const broken: string[] = [];
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
        return broken;
      }),
    );

  it(
    'the 0–10 scale is one row on a phone and in the builder preview; CSAT labels never break mid-word',
    async () => {
      for (const width of [320, 375, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${base}/r/${ids.npsToken}`);
        expect({ width, rows: await scaleRows(page, 'nps') }).toEqual({ width, rows: 1 });
        await page.goto(`${base}/r/${ids.csatToken}`);
        expect({ width, broken: await brokenWords(page, 'fieldset.csat .sub') }).toEqual({ width, broken: [] });
        expect({ width, rows: await scaleRows(page, 'ces') }).toEqual({ width, rows: 1 });
        await context.close();
      }
      const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
      const page = await context.newPage();
      await signIn(page);
      for (const survey of [ids.survey, ids.everyType]) {
        await page.goto(`${base}/surveys/${survey}/edit`);
        const preview = page.frameLocator('iframe[title="Respondent preview"]');
        const scale = survey === ids.survey ? 'nps' : 'ces';
        await preview.locator(`fieldset.${scale}`).waitFor();
        expect({ survey, rows: await scaleRows(preview, scale) }).toEqual({ survey, rows: 1 });
      }
      await context.close();
    },
    SLOW_MS,
  );

  it(
    "the invitation's score buttons are at least 40 px tall and of equal width, on a phone and a laptop",
    async () => {
      const mail = await t.db.one<{ html: string }>(
        `SELECT html FROM mailbox_messages WHERE subject = 'How are we doing?' ORDER BY received_at LIMIT 1`,
      );
      for (const width of [375, 640]) {
        const context = await browser.newContext({ viewport: { width, height: 800 } });
        const page = await context.newPage();
        await page.setContent(mail!.html);
        const boxes = await page
          .locator('a[href*="score="]')
          .evaluateAll((links) =>
            links.map((a) => a.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })),
          );
        expect(boxes).toHaveLength(11);
        const widths = boxes.map((b) => b.w);
        expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
        expect(Math.min(...boxes.map((b) => b.h))).toBeGreaterThanOrEqual(40);
        const overflow = await page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
        expect({ width, overflow }).toEqual({ width, overflow: 0 });
        await context.close();
      }
    },
    SLOW_MS,
  );
});
