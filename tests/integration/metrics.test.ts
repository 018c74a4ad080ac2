import request from 'supertest';
import { startRapport } from '../../src/boot';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { freePort } from '../helpers/net';
import { startTestSmtp } from '../helpers/smtp';
import { createTestDatabase, type ScratchDatabase } from '../helpers/testDb';
import { createSurvey, sendNow, signedInAgent, submitForm } from '../helpers/testApp';

/**
 * The real start-up path twice on one database: first with the worker and the ticker off and /metrics on a
 * port of its own (so the outbox and a due slot stay put while we read them), then with the worker on and
 * /metrics behind a token on the app's port, draining that outbox into a relay that bounces one address.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
const BOUNCING = 'nobody@example.com';

let database: ScratchDatabase;
let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtp({
    onData: (stream, session, callback) => {
      stream.resume();
      stream.on('end', () =>
        session.envelope.rcptTo.some((r) => r.address === BOUNCING)
          ? callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }))
          : callback(),
      );
    },
  });
});
afterAll(async () => {
  await smtp?.close();
  await database?.drop();
});

const start = async (env: Record<string, string>) =>
  startRapport(
    loadConfig({
      DATABASE_URL: database.url,
      SMTP_URL: smtp.url,
      PORT: String(await freePort()),
      SECRET_KEY: 'metrics-test-secret-key-long-enough-000',
      ...env,
    }),
    createLogger('silent'),
  );

type Sample = { name: string; labels: Record<string, string>; value: number };
const parse = (text: string): Sample[] =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(l)!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('/metrics', () => {
  let surveyId: string;
  let queuedAt: number;

  it('on METRICS_PORT: outbox depth and age per kind, ticker lag, pools, requests by route pattern, the runtime', async () => {
    const metricsPort = await freePort();
    const rapport = await start({
      WORKER_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      METRICS_PORT: String(metricsPort),
    });
    try {
      const agent = await signedInAgent(rapport.url);
      surveyId = await createSurvey(agent);
      await submitForm(agent, '/contacts', '/contacts/paste', {
        lines: `Ada, ada@example.com\nGrace, grace@example.com\nNobody, ${BOUNCING}`,
      });
      await sendNow(agent, surveyId);
      await request(rapport.url)
        .get(`/r/${'x'.repeat(43)}`)
        .expect(404);

      // Three invitations due 100 s ago; a schedule whose slot was due 300 s ago and that no ticker opened.
      await database.db.execute(`UPDATE deliveries SET next_attempt_at = now() - interval '100 seconds'`);
      const { workspace_id, created_by } = (await database.db.one<{ workspace_id: string; created_by: string }>(
        `SELECT s.workspace_id, u.id AS created_by FROM surveys s JOIN users u USING (workspace_id) WHERE s.id = :surveyId`,
        { surveyId },
      ))!;
      await database.db.query(
        `INSERT INTO schedules (workspace_id, survey_id, created_by, name, cron, time_zone, audience, cadence,
           reminder_count, reminder_days, checked_until, next_slot_at)
         VALUES (:workspace_id, :surveyId, :created_by, 'Weekly', '0 9 * * 1', 'UTC', '{}', 'everyone', 0, 3,
           now() - interval '1 hour', now() - interval '300 seconds')`,
        { workspace_id, created_by, surveyId },
      );
      queuedAt = Date.now();

      // Not on the app's port (an unknown page: sign in first); only GET /metrics on its own.
      await request(rapport.url)
        .get('/metrics')
        .expect(303)
        .expect('Location', /^\/login/);
      const metricsUrl = `http://127.0.0.1:${metricsPort}`;
      await request(metricsUrl).post('/metrics').expect(404);
      await request(metricsUrl).get('/').expect(404);
      const res = await request(metricsUrl).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const s = parse(res.text);
      const elapsed = (Date.now() - queuedAt) / 1000;

      expect(value(s, 'rapport_outbox_queued', { kind: 'invitation' })).toBe(3);
      for (const kind of ['reminder', 'reply', 'alert']) {
        expect(value(s, 'rapport_outbox_queued', { kind })).toBe(0);
        expect(value(s, 'rapport_outbox_oldest_age_seconds', { kind })).toBe(0);
      }
      const age = value(s, 'rapport_outbox_oldest_age_seconds', { kind: 'invitation' })!;
      expect(age).toBeGreaterThanOrEqual(100);
      expect(age).toBeLessThan(100 + elapsed + 5);
      const lag = value(s, 'rapport_ticker_lag_seconds')!;
      expect(lag).toBeGreaterThanOrEqual(300);
      expect(lag).toBeLessThan(300 + elapsed + 5);
      expect(value(s, 'rapport_db_pool_in_use', { pool: 'main' })).toBeGreaterThanOrEqual(0);
      expect(value(s, 'rapport_db_pool_waiting', { pool: 'sessions' })).toBe(0);
      expect(value(s, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

      // Requests by the route that answered them: the pattern, never the path with its id or token.
      const count = (method: string, route: string, status: string) =>
        value(s, 'rapport_http_request_duration_seconds_count', { method, route, status });
      expect(count('POST', '/setup', '303')).toBe(1);
      expect(count('GET', '/surveys/:id/send', '200')).toBe(1);
      expect(count('POST', '/surveys/:id/send', '303')).toBe(1);
      expect(count('GET', '/r/:token', '404')).toBe(1);
      // Answered by no route: the signed-out GET /metrics on the app's port, sent to the login page.
      expect(count('GET', '(none)', '303')).toBe(1);
      expect(res.text).not.toContain(surveyId);
      expect(res.text).not.toContain('x'.repeat(43));
      expect(res.text).not.toContain('@');
    } finally {
      await rapport.stop();
    }
  }, 60_000);

  it('with METRICS_TOKEN on the app port: 401 without the token, and sends counted per outcome', async () => {
    const rapport = await start({ METRICS_TOKEN: TOKEN, SCHEDULER_ENABLED: 'false' });
    try {
      const deadline = Date.now() + 20_000;
      while ((await database.db.query(`SELECT id FROM deliveries WHERE status IN ('queued', 'sending')`)).length) {
        if (Date.now() > deadline) throw new Error('the worker did not drain the outbox');
        await new Promise((r) => setTimeout(r, 50));
      }

      for (const auth of [
        undefined,
        'Bearer wrong-token-0123456789',
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN}x`,
        'Bearer ',
        `Bearer ${'a'.repeat(10_000)}`,
      ]) {
        const req = request(rapport.url).get('/metrics');
        const res = await (auth === undefined ? req : req.set('Authorization', auth)).expect(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
        expect(res.body.error.message).toContain('METRICS_TOKEN');
      }
      // Any other method is refused like any unknown form post (CSRF, or not found): a 4xx, never a 5xx.
      const post = await request(rapport.url).post('/metrics').set('Authorization', `Bearer ${TOKEN}`);
      expect(post.status).toBeGreaterThanOrEqual(400);
      expect(post.status).toBeLessThan(500);

      const res = await request(rapport.url).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      const s = parse(res.text);
      // Hand-counted: Ada and Grace accepted, the relay refused the third address for good.
      expect(value(s, 'rapport_outbox_sends_total', { kind: 'invitation', outcome: 'sent' })).toBe(2);
      expect(value(s, 'rapport_outbox_sends_total', { kind: 'invitation', outcome: 'bounced' })).toBe(1);
      expect(s.filter((x) => x.name === 'rapport_outbox_sends_total')).toHaveLength(2);
      expect(value(s, 'rapport_outbox_queued', { kind: 'invitation' })).toBe(0);
      expect(value(s, 'rapport_http_request_duration_seconds_count', { route: '/metrics', status: '401' })).toBe(6);
    } finally {
      await rapport.stop();
    }
  }, 60_000);
});
