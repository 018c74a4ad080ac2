import { Writable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import { createLogger } from '../../src/platform/logger';
import { imapPoller, inboundService } from '../../src/modules/inbound';
import { startDovecot, type Dovecot } from '../helpers/dovecot';
import { createTestApp, INBOUND_DOMAIN, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { WAIT_MS } from '../helpers/wait';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

/**
 * IMAP polling of a mailbox the team already has (IMAP_URL), against a real IMAP server started by the test
 * (dovecot): messages are put in its INBOX with IMAP APPEND, as a mail server delivering them would.
 */
let t: TestApp;
let imap: Dovecot;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;
const log = createLogger('silent');

beforeAll(async () => {
  [t, imap] = await Promise.all([createTestApp({ inbound: true }), startDovecot()]);
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
});
afterAll(async () => {
  await imap?.close();
  await t?.close();
});

const service = () =>
  inboundService({
    db: t.db,
    log,
    inboundDomain: INBOUND_DOMAIN,
    messageIdDomain: 'rapport.test',
    onQueued: () => undefined,
  });
const poller = (pollMs = 60_000) =>
  imapPoller({ db: t.db, log, receive: service().receive, url: imap.url, pollMs, maxBytes: 1024 * 1024 });

/** A mail client of the team's mailbox: puts messages in INBOX and reads their flags. */
async function mailbox<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: false,
    auth: { user: imap.user, pass: imap.password },
    logger: false,
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}
const append = (raw: string) => mailbox((c) => c.append('INBOX', raw.replace(/\n/g, '\r\n')));
const unseen = () =>
  mailbox(async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return ((await c.search({ seen: false }, { uid: true })) || []).length;
    } finally {
      lock.release();
    }
  });

let n = 0;
/** A conversation the teammate answered (and closed); returns the reply as the customer received it. */
async function replied() {
  const email = `imap${++n}@customer.test`;
  const d = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { email });
  const r = await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers, completed_at)
     VALUES (:workspaceId, :surveyId, 1, :deliveryId, :contactId, 2, 'Slow', '{"nps":2}', now()) RETURNING id`,
    { workspaceId, surveyId, deliveryId: d.deliveryId, contactId: d.contactId },
  );
  const responseId = r!.id;
  await submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/replies`, { body: 'Sorry!', close: '1' });
  await t.worker.drainOnce();
  const mail = t.smtp.messages.find((m) => (m.to && 'text' in m.to ? m.to.text : '').includes(email))!;
  return { responseId, email, messageId: mail.messageId!, replyAddress: mail.replyTo!.value[0]!.address! };
}
const texts = async (responseId: string) =>
  (
    await t.db.query<{ body: string }>(
      `SELECT body FROM inbound_messages WHERE response_id = :responseId ORDER BY received_at`,
      { responseId },
    )
  ).map((m) => m.body);

async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('takes new messages from INBOX into the same path, matches by token and by Message-ID, and marks them seen', async () => {
  const a = await replied();
  const b = await replied();
  await append(
    `From: ${a.email}\nTo: ${a.replyAddress}\nSubject: Re: survey\nMessage-ID: <imap-a@customer.test>\n\nBy token.\n\nOn Mon, Sam wrote:\n> Sorry!\n`,
  );
  await append(
    `From: ${b.email}\nTo: team@acme.test\nSubject: Re: survey\nMessage-ID: <imap-b@customer.test>\nIn-Reply-To: ${b.messageId}\n\nBy Message-ID.\n`,
  );
  await append(
    `From: someone@elsewhere.test\nTo: team@acme.test\nSubject: Hello\nMessage-ID: <imap-c@elsewhere.test>\n\nNot ours.\n`,
  );
  // The same message twice in the mailbox (a CC and a forward rule, say): stored once.
  await append(
    `From: ${a.email}\nTo: ${a.replyAddress}\nSubject: Re: survey\nMessage-ID: <imap-a@customer.test>\n\nBy token.\n`,
  );
  expect(await unseen()).toBe(4);

  expect(await poller().pollOnce()).toBe(4);

  expect(await texts(a.responseId)).toEqual(['By token.']);
  expect(await texts(b.responseId)).toEqual(['By Message-ID.']);
  const stray = await t.db.one<{ responseId: string | null; source: string }>(
    `SELECT response_id AS "responseId", source FROM inbound_messages WHERE message_id = '<imap-c@elsewhere.test>'`,
  );
  expect(stray).toEqual({ responseId: null, source: 'imap' });
  const status = await t.db.query<{ status: string }>(
    `SELECT status FROM conversations WHERE response_id IN (:ids) ORDER BY status`,
    { ids: [a.responseId, b.responseId] },
  );
  expect(status.map((s) => s.status)).toEqual(['open', 'open']);
  expect(await unseen()).toBe(0);
  // Nothing new: nothing taken.
  expect(await poller().pollOnce()).toBe(0);
});

it('with several instances polling at once, the mailbox is read by one and each message is stored once', async () => {
  const a = await replied();
  for (let i = 0; i < 5; i++)
    await append(`From: ${a.email}\nTo: ${a.replyAddress}\nMessage-ID: <many-${i}@customer.test>\n\nMessage ${i}.\n`);
  const results = await Promise.all([poller().pollOnce(), poller().pollOnce(), poller().pollOnce()]);
  // Whoever held the lock took all five; the others found it busy or nothing left.
  expect(results.filter((r) => r === 5)).toHaveLength(1);
  expect(results.every((r) => r === 5 || r === 'busy' || r === 0)).toBe(true);
  expect(await texts(a.responseId)).toEqual([0, 1, 2, 3, 4].map((i) => `Message ${i}.`));
});

it('survives the IMAP server going away, and takes the mail once it is back', async () => {
  const a = await replied();
  // What the poller says while the server is away (a logged failure per round, never a crash).
  const failures: string[] = [];
  const heard = pino(
    { level: 'warn' },
    new Writable({ write: (line, _enc, done) => (failures.push(String(line)), done()) }),
  );
  const running = imapPoller({
    db: t.db,
    log: heard,
    receive: service().receive,
    url: imap.url,
    pollMs: 100,
    maxBytes: 1024 * 1024,
  });
  await imap.stop();
  running.start();
  await until('a failed round while the server is away', async () =>
    failures.some((l) => l.includes('IMAP poll failed')),
  );
  await imap.start();
  await append(`From: ${a.email}\nTo: ${a.replyAddress}\nMessage-ID: <back@customer.test>\n\nBack again.\n`);
  await until('the message after the restart', async () => (await texts(a.responseId)).includes('Back again.'));
  await running.stop();
  expect(await unseen()).toBe(0);
});
