/**
 * npm run screenshots — the README's pictures, taken from the demo workspace (npm run demo's data) by Chromium
 * (playwright-core driving Debian's /usr/bin/chromium, as the browser tests do): the dashboard, the inbox, a
 * conversation, and the respondent's page on a phone. Starts its own Rapport on a fresh database (a temporary
 * embedded PostgreSQL, or a scratch database on DATABASE_URL's server), so the pictures never show real data.
 * Writes docs/screenshots/*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startRapport } from '../src/boot';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { createSealer } from '../src/platform/tokens';
import { demoService } from '../src/modules/demo';
import { benchDatabase } from '../bench/support';
import { freePort } from '../tests/helpers/net';

const OUT = path.join(__dirname, '../docs/screenshots');
const SECRET = 'screenshots-secret-key-that-is-long-enough';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  const database = await benchDatabase();
  const rapport = await startRapport(
    loadConfig({
      DATABASE_URL: database.url,
      PORT: String(await freePort()),
      SECRET_KEY: SECRET,
      SCHEDULER_ENABLED: 'false',
      WORKER_ENABLED: 'false',
    }),
    createLogger('warn'),
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    console.log('Making the demo workspace…');
    const sealer = createSealer(SECRET);
    const demo = await demoService(database.db, sealer).create();
    fs.mkdirSync(OUT, { recursive: true });
    const shot = (name: string) => path.join(OUT, `${name}.png`);

    const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: rapport.url });
    const page = await desktop.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(demo.email);
    await page.getByLabel('Password').fill(demo.password);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/login')),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);

    // The survey with the most answers: its dashboard is the fullest.
    const busiest = (await database.db.one<{ id: string }>(
      `SELECT survey_id AS id FROM responses WHERE workspace_id = $1 GROUP BY survey_id ORDER BY count(*) DESC LIMIT 1`,
      [demo.workspaceId],
    ))!.id;
    await page.goto(`/surveys/${busiest}`);
    // Charts draw after load (Chart.js from our own /vendor): wait for every canvas to have been painted.
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: shot('dashboard'), fullPage: false });

    await page.goto('/inbox');
    await page.screenshot({ path: shot('inbox') });

    // A conversation with a teammate's reply and the customer's answer back.
    const talked = (await database.db.one<{ id: string }>(
      `SELECT response_id AS id FROM replies WHERE workspace_id = $1 GROUP BY response_id ORDER BY count(*) DESC LIMIT 1`,
      [demo.workspaceId],
    ))!.id;
    await page.goto(`/inbox/${talked}`);
    await page.screenshot({ path: shot('conversation') });

    // The respondent's page as an invitation opens it on a phone, a score tapped in the email.
    const sealed = (await database.db.one<{ sealed: string }>(
      `SELECT d.token_sealed AS sealed FROM deliveries d JOIN waves w ON w.id = d.wave_id
       JOIN surveys s ON s.id = w.survey_id
       WHERE d.workspace_id = $1 AND s.status = 'active' AND d.token_sealed IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.delivery_id = d.id)
       ORDER BY d.created_at DESC LIMIT 1`,
      [demo.workspaceId],
    ))!.sealed;
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      baseURL: rapport.url,
    });
    const respondent = await phone.newPage();
    // JavaScript off: the page as it first paints, before respond.js would confirm the tapped score.
    await respondent.route('**/static/js/respond.js', (route) => route.abort());
    await respondent.goto(`/r/${sealer.open(sealed)}?score=9`);
    await respondent.screenshot({ path: shot('respondent-phone') });
    console.log(`Wrote ${fs.readdirSync(OUT).join(', ')} to docs/screenshots/`);
  } finally {
    await browser.close();
    await rapport.stop();
    await database.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
