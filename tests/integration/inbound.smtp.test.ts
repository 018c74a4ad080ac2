import net from 'node:net';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { createTestApp, INBOUND_DOMAIN, PUBLIC_URL, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

/**
 * The customer's answer comes back through Rapport's own SMTP listener (INBOUND_SMTP_PORT): a real SMTP client
 * (nodemailer) speaks to the real listener, and what it stored is read through the pages and the database.
 */
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;
let customer: ReturnType<typeof nodemailer.createTransport>;

beforeAll(async () => {
  t = await createTestApp({ inbound: true });
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
  const url = new URL(t.inbound!.url);
  customer = nodemailer.createTransport({ host: url.hostname, port: Number(url.port), ignoreTLS: true });
});
afterAll(async () => {
  customer.close();
  await t.close();
});
afterEach(() => {
  t.smtp.messages.length = 0;
});

let n = 0;
/** A contact invited by a sent invitation, who answered 3 with a comment; the conversation is closed. */
async function answered() {
  const d = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { email: `pat${++n}@customer.test` });
  const invitationId = `<delivery-${d.deliveryId}@rapport.test>`;
  await t.db.execute(`UPDATE deliveries SET message_id = :invitationId WHERE id = :id`, {
    id: d.deliveryId,
    invitationId,
  });
  const r = await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers, completed_at)
     VALUES (:workspaceId, :surveyId, 1, :deliveryId, :contactId, 3, 'Exports time out', '{"nps":3}', now()) RETURNING id`,
    { workspaceId, surveyId, deliveryId: d.deliveryId, contactId: d.contactId },
  );
  return { ...d, responseId: r!.id, email: `pat${n}@customer.test`, invitationId };
}

/** The teammate's personal reply, sent by the worker to the test relay, as the customer receives it. */
async function teammateReplies(responseId: string, email: string, close = true) {
  await submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/replies`, {
    body: 'So sorry about the exports. We are on it.',
    ...(close ? { close: '1' } : {}),
  });
  await t.worker.drainOnce();
  const mail = t.smtp.messages.find((m) => (m.to && 'text' in m.to ? m.to.text : '').includes(email));
  if (!mail) throw new Error('the reply was not sent');
  return mail;
}

const send = (m: Mail.Options) => customer.sendMail(m);
const thread = async (responseId: string) => (await agent.get(`/inbox/${responseId}`).expect(200)).text;
const statusOf = async (responseId: string) =>
  (await t.db.one<{ status: string }>(`SELECT status FROM conversations WHERE response_id = :responseId`, {
    responseId,
  }))!.status;
const noticesFor = async (responseId: string) =>
  Number(
    (await t.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM customer_reply_notices n JOIN inbound_messages im ON im.id = n.inbound_message_id
       WHERE im.response_id = :responseId`,
      { responseId },
    ))!.n,
  );

describe('a customer answering a personal reply', () => {
  it('when they answer the reply address, their words (history stripped) land in the thread, the conversation reopens and the owner is told', async () => {
    const a = await answered();
    await t.db.execute(
      `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed) VALUES (:workspaceId, 'http://127.0.0.1:9/hook', '{conversation.customer_replied}', :secret)`,
      { workspaceId, secret: t.sealer.seal('whsec_test') },
    );
    const reply = await teammateReplies(a.responseId, a.email);
    expect(await statusOf(a.responseId)).toBe('closed');
    // Reply-To: the conversation's own address first, the teammate's own still there (it reaches them as before).
    const replyTo = reply.replyTo!.value.map((v) => v.address);
    expect(replyTo).toHaveLength(2);
    expect(replyTo[0]).toMatch(new RegExp(`^reply\\+[A-Za-z0-9_-]{43}@${INBOUND_DOMAIN.replace(/\./g, '\\.')}$`));
    expect(replyTo[1]).toBe('valeria@acme.test');
    // The token is stored hashed and sealed, never in clear.
    const token = replyTo[0]!.slice('reply+'.length, replyTo[0]!.indexOf('@'));
    const stored = await t.db.one<{ row: string }>(`SELECT row_to_json(a)::text AS row FROM reply_addresses a`);
    expect(stored!.row).not.toContain(token);

    await send({
      from: `Pat <${a.email}>`,
      to: replyTo[0],
      subject: 'Re: How are we doing?',
      text: `Thanks, that helps. Exports work now.\n\nOn Tue, 1 Dec 2026 at 10:00, Valeria wrote:\n> So sorry about the exports.\n> We are on it.\n`,
      attachments: [{ filename: 'screenshot.png', content: Buffer.alloc(2048, 1), contentType: 'image/png' }],
    });

    const page = await thread(a.responseId);
    expect(page).toContain('Thanks, that helps. Exports work now.');
    expect(page).not.toContain('We are on it.\n');
    expect(page).not.toContain('Valeria wrote:');
    expect(page).toMatch(/screenshot\.png <small>\(image\/png, 2 KB\)<\/small>/);
    // In order: the answer, the teammate's reply, then the customer's message.
    expect(page.indexOf('So sorry about the exports')).toBeLessThan(page.indexOf('Thanks, that helps'));
    expect(await statusOf(a.responseId)).toBe('open');
    const inbox = (await agent.get('/inbox').expect(200)).text;
    expect(inbox).toContain('customer replied');

    // The owner (the teammate who replied) hears of it by email, through the outbox.
    await t.worker.drainOnce();
    const notice = t.smtp.messages.find((m) => m.subject?.includes('wrote back'));
    expect(notice?.subject).toBe(`Pat wrote back about 'How are we doing?'`);
    expect(notice?.text).toContain('Thanks, that helps. Exports work now.');
    expect(notice?.text).toContain(`${PUBLIC_URL}/inbox/${a.responseId}`);
    expect(notice?.text).toContain('Attached: screenshot.png');
    const event = await t.db.one<{ payload: { data: { message: { body: string } } } }>(
      `SELECT payload FROM webhook_events WHERE type = 'conversation.customer_replied'`,
    );
    expect(event!.payload.data.message.body).toBe('Thanks, that helps. Exports work now.');
    await t.db.execute(`DELETE FROM webhook_endpoints`);
  });

  it('when they answer our Message-ID (In-Reply-To / References), it lands in that conversation', async () => {
    const a = await answered();
    const reply = await teammateReplies(a.responseId, a.email);
    await send({
      from: a.email,
      // No reply address: a mail client that answered the teammate, forwarded to the listener's plain address.
      to: `team@${INBOUND_DOMAIN}`,
      subject: 'Re: How are we doing?',
      inReplyTo: reply.messageId,
      references: [a.invitationId, reply.messageId!],
      text: 'Still broken for me.',
    });
    expect(await thread(a.responseId)).toContain('Still broken for me.');
    expect(await statusOf(a.responseId)).toBe('open');
    const row = await t.db.one<{ matchedBy: string }>(
      `SELECT matched_by AS "matchedBy" FROM inbound_messages WHERE response_id = :id`,
      { id: a.responseId },
    );
    expect(row!.matchedBy).toBe('message_id');
  });

  it('when they answer the invitation itself, it lands in the conversation of their answer', async () => {
    const a = await answered();
    await send({ from: a.email, to: `team@${INBOUND_DOMAIN}`, inReplyTo: a.invitationId, text: 'About my score…' });
    expect(await thread(a.responseId)).toContain('About my score…');
  });
});

describe('what never attaches to a conversation', () => {
  it('a made-up reply address, a forged Message-ID and a plain message are kept unmatched, for owners and admins', async () => {
    const a = await answered();
    await teammateReplies(a.responseId, a.email);
    const forgedToken = 'A'.repeat(43);
    await send({ from: a.email, to: `reply+${forgedToken}@${INBOUND_DOMAIN}`, subject: 'Forged token', text: 'one' });
    await send({
      from: a.email,
      to: `team@${INBOUND_DOMAIN}`,
      subject: 'Forged id',
      // Our shape and domain, but no message of ours carries it.
      inReplyTo: `<reply-00000000-0000-4000-8000-000000000000@rapport.test>`,
      text: 'two',
    });
    await send({ from: 'stranger@elsewhere.test', to: `hello@${INBOUND_DOMAIN}`, subject: 'Plain', text: 'three' });

    expect(await statusOf(a.responseId)).toBe('closed');
    expect(await noticesFor(a.responseId)).toBe(0);
    const page = (await agent.get('/inbox/unmatched').expect(200)).text;
    for (const s of ['Forged token', 'Forged id', 'Plain', 'stranger@elsewhere.test']) expect(page).toContain(s);
    const unmatched = await t.db.query<{ responseId: string | null }>(
      `SELECT response_id AS "responseId" FROM inbound_messages WHERE subject IN ('Forged token', 'Forged id', 'Plain')`,
    );
    expect(unmatched).toHaveLength(3);
    expect(unmatched.every((m) => m.responseId === null)).toBe(true);
  });

  it('an out-of-office is recorded in the thread but neither reopens nor notifies', async () => {
    const a = await answered();
    const reply = await teammateReplies(a.responseId, a.email);
    const address = reply.replyTo!.value[0]!.address!;
    await send({
      from: a.email,
      to: address,
      subject: 'Automatic reply: Re: How are we doing?',
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'I am away until Monday.',
    });
    await send({ from: a.email, to: address, subject: 'Out of Office', text: 'Back soon.' });
    await send({ from: a.email, to: address, headers: { Precedence: 'bulk' }, subject: 'Newsletter', text: 'News.' });
    const page = await thread(a.responseId);
    expect(page).toContain('I am away until Monday.');
    expect(page.match(/auto-reply<\/span>/g)).toHaveLength(3);
    expect(await statusOf(a.responseId)).toBe('closed');
    expect(await noticesFor(a.responseId)).toBe(0);
    const inbox = (await agent.get('/inbox?status=all').expect(200)).text;
    const row = inbox.split('<tr').find((r) => r.includes(`/inbox/${a.responseId}`));
    expect(row).toContain('1 reply');
    expect(row).not.toContain('customer replied');
  });

  it('the same message delivered twice is stored once, and tells the owner once', async () => {
    const a = await answered();
    const reply = await teammateReplies(a.responseId, a.email);
    const m = {
      from: a.email,
      to: reply.replyTo!.value[0]!.address!,
      messageId: `<twice-${a.responseId}@customer.test>`,
      text: 'Once only, please.',
    };
    await send(m);
    await send(m);
    expect((await thread(a.responseId)).match(/Once only, please\./g)).toHaveLength(1);
    expect(await noticesFor(a.responseId)).toBe(1);
  });
});

describe('erasure', () => {
  it('erasing a contact deletes the messages they sent, matched or not, and the notices that quoted them', async () => {
    const a = await answered();
    const reply = await teammateReplies(a.responseId, a.email);
    await send({ from: a.email, to: reply.replyTo!.value[0]!.address!, text: 'My phone is 555-0100.' });
    await send({ from: a.email, to: `hello@${INBOUND_DOMAIN}`, subject: 'Stray', text: 'Also 555-0100.' });
    await t.worker.drainOnce();
    expect(await noticesFor(a.responseId)).toBe(1);
    await submitForm(agent, `/contacts/${a.contactId}`, `/contacts/${a.contactId}/erase`, { confirm: 'on' });
    const left = await t.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM inbound_messages WHERE body LIKE '%555-0100%'`,
    );
    expect(Number(left!.n)).toBe(0);
    expect(await noticesFor(a.responseId)).toBe(0);
  });
});

describe('a bounce that comes back', () => {
  it('a delivery status notification about our invitation marks the delivery and the contact bounced', async () => {
    const a = await answered();
    const raw = [
      `From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>`,
      `To: bounces@${INBOUND_DOMAIN}`,
      `Subject: Undelivered Mail Returned to Sender`,
      `Message-ID: <dsn-${a.deliveryId}@mx.customer.test>`,
      `Auto-Submitted: auto-replied`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/report; report-type=delivery-status; boundary="b1"`,
      ``,
      `--b1`,
      `Content-Type: text/plain`,
      ``,
      `Your message could not be delivered.`,
      `--b1`,
      `Content-Type: message/delivery-status`,
      ``,
      `Reporting-MTA: dns; mx.customer.test`,
      ``,
      `Final-Recipient: rfc822; ${a.email}`,
      `Action: failed`,
      `Status: 5.1.1`,
      `Diagnostic-Code: smtp; 550 5.1.1 User unknown`,
      `--b1`,
      `Content-Type: text/rfc822-headers`,
      ``,
      `From: Valeria at Acme <pulse@rapport.test>`,
      `To: ${a.email}`,
      `Message-ID: ${a.invitationId}`,
      `Subject: How are we doing?`,
      `--b1--`,
      ``,
    ].join('\r\n');
    await customer.sendMail({ envelope: { from: '', to: [`bounces@${INBOUND_DOMAIN}`] }, raw });
    const d = await t.db.one<{ status: string; lastError: string; contact: string }>(
      `SELECT d.status, d.last_error AS "lastError", c.status AS contact FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE d.id = :id`,
      { id: a.deliveryId },
    );
    expect(d).toEqual({ status: 'bounced', lastError: expect.stringContaining('5.1.1'), contact: 'bounced' });
    // Recorded, but neither in a thread nor among the unmatched.
    expect(await thread(a.responseId)).not.toContain('could not be delivered');
    expect((await agent.get('/inbox/unmatched').expect(200)).text).not.toContain('Undelivered Mail');
  });
});

describe('the listener', () => {
  it('refuses recipients outside INBOUND_DOMAIN at RCPT TO (550), and messages over the size limit (552)', async () => {
    await expect(send({ from: 'x@elsewhere.test', to: 'someone@example.com', text: 'relay me' })).rejects.toMatchObject(
      { responseCode: 550 },
    );
    await expect(
      send({ from: 'x@elsewhere.test', to: `a@${INBOUND_DOMAIN}`, text: 'x'.repeat(1024 * 1024 + 10) }),
    ).rejects.toMatchObject({ responseCode: 552 });
    const kept = await t.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM inbound_messages WHERE from_address = 'x@elsewhere.test'`,
    );
    expect(Number(kept!.n)).toBe(0);
  });

  it('survives a client that drops the connection in the middle of a message', async () => {
    const url = new URL(t.inbound!.url);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname);
      socket.on('error', reject);
      let step = 0;
      const lines = ['EHLO me', 'MAIL FROM:<a@b.test>', `RCPT TO:<x@${INBOUND_DOMAIN}>`, 'DATA'];
      socket.on('data', (chunk) => {
        const said = chunk.toString();
        if (step < lines.length && /^(220|250|354)/m.test(said)) socket.write(`${lines[step++]}\r\n`);
        else if (/^354/m.test(said)) {
          socket.write('Subject: half\r\n\r\nhalf a mess');
          socket.destroy();
          resolve();
        }
      });
    });
    // Still answering.
    await send({ from: 'after@elsewhere.test', to: `a@${INBOUND_DOMAIN}`, subject: 'Still here', text: 'ok' });
    expect((await agent.get('/inbox/unmatched').expect(200)).text).toContain('Still here');
  });
});
