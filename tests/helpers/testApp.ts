import type { Clock } from '../../src/platform/clock';
import pg from 'pg';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createLogger } from '../../src/platform/logger';
import { createMailTransport } from '../../src/platform/mail';
import { createSealer } from '../../src/platform/tokens';
import { createDeliveryWorker } from '../../src/modules/delivery';
import { startMailboxServer } from '../../src/modules/mailbox';
import { inboundService, startInboundListener } from '../../src/modules/inbound';
import { insightsReaders } from '../../src/modules/insights';
import { createDb } from '../../src/platform/db';
import { createTestDatabase } from './testDb';
import { startPgProxy } from './pgProxy';
import { startTestSmtp } from './smtp';

export const PUBLIC_URL = 'http://rapport.test';
/** The domain of reply addresses when a test app receives mail (`inbound: true`). */
export const INBOUND_DOMAIN = 'reply.rapport.test';
const SECRET = 'test-secret-key-that-is-long-enough-000';

/**
 * The real app on a real database and a real SMTP server, for one test file. The worker is not started:
 * tests drain the outbox when they choose, so what they assert is never a race.
 */
export async function createTestApp(
  overrides: {
    respondRateLimit?: number;
    publicSubmitLimit?: number;
    importMaxBytes?: number;
    apiRateLimit?: number;
    trustProxy?: number | string | false;
    /** The app reaches PostgreSQL through a proxy the test can freeze or cut (t.db stays direct). */
    outages?: boolean;
    /** Mail goes to the built-in mailbox (and /mailbox is on), as with no SMTP_URL. */
    mailbox?: boolean;
    /** The dashboards read through a pool of their own (insights/readers.ts) with this statement timeout. */
    readersTimeoutMs?: number;
    /** Webhook URLs on loopback (a receiver in the test) can be saved, and t.worker posts to them. */
    webhooksAllowPrivate?: boolean;
    /** Anyone may sign up and create a workspace (SIGNUP_ENABLED). */
    signupEnabled?: boolean;
    /** Customers' answers come back: Rapport's own SMTP listener for INBOUND_DOMAIN (t.inbound). */
    inbound?: boolean;
    /** What the pages reckon time-dependent figures from (buildApp's `clock`); the database clock if not given. */
    clock?: Clock;
  } = {},
) {
  const { outages, mailbox: withMailbox, readersTimeoutMs, inbound: withInbound, clock, ...config } = overrides;
  const database = await createTestDatabase();
  const proxy = outages ? await startPgProxy(database.url) : undefined;
  const appDb = proxy ? createDb(proxy.url, { poolMax: 5 }) : database.db;
  const smtp = await startTestSmtp();
  const log = createLogger('silent');
  const mailbox = withMailbox ? await startMailboxServer(database.db, log) : undefined;
  const transport = createMailTransport(mailbox?.url ?? smtp.url, { stampWorkspace: !!mailbox });
  const sealer = createSealer(SECRET);
  const inboundDomain = withInbound ? INBOUND_DOMAIN : undefined;
  const inbound = inboundDomain
    ? await startInboundListener({
        receive: inboundService({
          db: database.db,
          log,
          inboundDomain,
          messageIdDomain: new URL(PUBLIC_URL).hostname,
          onQueued: () => undefined,
        }).receive,
        log,
        domain: inboundDomain,
        port: 0,
        host: '127.0.0.1',
        maxBytes: 1024 * 1024,
      })
    : undefined;
  const worker = createDeliveryWorker({
    db: database.db,
    transport,
    sealer,
    log,
    publicUrl: PUBLIC_URL,
    mailFrom: 'pulse@rapport.test',
    inboundDomain,
    http: { allowPrivate: !!config.webhooksAllowPrivate },
  });
  const readers = readersTimeoutMs
    ? insightsReaders(database.url, { poolMax: 2, statementTimeoutMs: readersTimeoutMs })
    : undefined;
  const sessionPool = new pg.Pool({ connectionString: proxy?.url ?? database.url, max: 2 });
  // A pooled connection the proxy drops is an error on an idle client: pg emits it on the pool.
  sessionPool.on('error', () => undefined);
  const app = buildApp({
    config: { publicUrl: PUBLIC_URL, trustProxy: false, ...config },
    db: appDb,
    readers,
    sessionPool,
    log,
    secretKey: SECRET,
    sealer,
    mailboxEnabled: !!mailbox,
    onQueued: () => undefined,
    inbound: { domain: inboundDomain, listenerUrl: inbound?.url },
    clock,
  });
  return {
    app,
    db: database.db,
    readers,
    databaseUrl: database.url,
    smtp,
    worker,
    sealer,
    proxy,
    inbound,
    async close() {
      await worker.stop();
      await inbound?.close();
      transport.close();
      await smtp.close();
      await mailbox?.close();
      proxy?.restore();
      await sessionPool.end();
      await readers?.close();
      if (proxy) {
        await appDb.close();
        await proxy.close();
      }
      await database.drop();
    },
  };
}
export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** The CSRF token of the form on a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('No CSRF token on the page');
  return m[1]!;
}

export const OWNER = {
  workspaceName: 'Acme',
  senderName: 'Valeria at Acme',
  postalAddress: '1 Main St, Springfield',
  name: 'Valeria Ortiz',
  email: 'valeria@acme.test',
  password: 'correct horse battery',
};

/**
 * A browser-like client (cookies kept) that has completed first-run setup and is signed in: on an app in this
 * process, or on the URL of one started by startRapport or in a process of its own.
 */
export async function signedInAgent(app: TestApp['app'] | string) {
  const agent = request.agent(app);
  const page = await agent.get('/setup').expect(200);
  await agent
    .post('/setup')
    .type('form')
    .send({ ...OWNER, _csrf: csrfFrom(page.text) })
    .expect(303);
  return agent;
}

/** POST a form the way a browser would: fetch the page, take its CSRF token, submit. */
export async function submitForm(
  agent: ReturnType<typeof request.agent>,
  pageUrl: string,
  action: string,
  fields: Record<string, string>,
  status = 303,
) {
  const page = await agent.get(pageUrl).expect(200);
  return agent
    .post(action)
    .type('form')
    .send({ ...fields, _csrf: csrfFrom(page.text) })
    .expect(status);
}

/**
 * "Send now" as a person does it: the confirmation page, then its button (which carries the number it showed).
 * Returns the POST's response (303 to the wave, or the refusal).
 */
export async function sendNow(agent: ReturnType<typeof request.agent>, surveyId: string, status = 303) {
  const page = await agent.get(`/surveys/${surveyId}/send`).expect(200);
  const recipients = /name="recipients" value="(\d+)"/.exec(page.text)?.[1];
  if (recipients === undefined) throw new Error(`"Send now" offers nothing to confirm: ${page.text.slice(0, 300)}`);
  return agent
    .post(`/surveys/${surveyId}/send`)
    .type('form')
    .send({ recipients, _csrf: csrfFrom(page.text) })
    .expect(status);
}

/** Creates a survey from a template through the team's form, as a person would; returns its id. */
export async function createSurvey(agent: ReturnType<typeof request.agent>, template = 'how-are-we-doing') {
  const created = await submitForm(agent, '/surveys/new', '/surveys', { template });
  return created.headers.location!.split('/')[2]!;
}

/** A relay that refuses every message with an SMTP code the test can change, and a worker sending to it. */
export async function refusingRelay(t: TestApp, initialCode: number) {
  let code = initialCode;
  const smtp = await startTestSmtp({
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => callback(Object.assign(new Error('refused'), { responseCode: code })));
    },
  });
  const transport = createMailTransport(smtp.url);
  const worker = createDeliveryWorker({
    db: t.db,
    transport,
    sealer: t.sealer,
    log: createLogger('silent'),
    publicUrl: PUBLIC_URL,
    mailFrom: 'pulse@rapport.test',
  });
  return {
    worker,
    answerWith: (next: number) => {
      code = next;
    },
    async close() {
      await worker.stop();
      transport.close();
      await smtp.close();
    },
  };
}
