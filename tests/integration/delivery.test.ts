import type { SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createTestDatabase } from '../helpers/testDb';
import { startTestSmtp } from '../helpers/smtp';
import { createLogger } from '../../src/platform/logger';
import { createMailTransport } from '../../src/platform/mail';
import { createSealer } from '../../src/platform/tokens';
import type { Db } from '../../src/platform/db';
import { createDeliveryWorker } from '../../src/modules/delivery';
import { wavesService } from '../../src/modules/schedules';
import { surveysService } from '../../src/modules/surveys';
import { seedWorkspace } from '../factories/pulse';

const log = createLogger('silent');
const sealer = createSealer('delivery-test-secret-key-long-enough-0000');
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database.drop());

/** A workspace with `contacts` contacts and one queued wave to all of them. */
async function queuedWave(contacts: number, name: string) {
  const seed = await seedWorkspace(db, { contacts, throttleDays: 0, name });
  const waves = wavesService({ db, sealer, surveys: surveysService(db), onQueued: () => undefined });
  const waveId = await waves.sendNow(seed.workspaceId, seed.surveyId, seed.userId);
  return { ...seed, waveId, summary: () => waves.summary(seed.workspaceId, waveId) };
}

/** An SMTP server whose answer to each message the test decides; counts what it accepted. */
async function relay(onData: SMTPServerOptions['onData'], timeoutMs = 5000) {
  const smtp = await startTestSmtp({ onData });
  const transport = createMailTransport(smtp.url, { timeoutMs });
  const worker = createDeliveryWorker({
    db,
    transport,
    sealer,
    log,
    publicUrl: 'https://pulse.acme.test',
    mailFrom: 'pulse@acme.test',
    leaseSeconds: 60,
    maxSendMs: 10_000,
  });
  return {
    worker,
    async close() {
      await worker.stop();
      transport.close();
      await smtp.close();
    },
  };
}

const statuses = async (waveId: string) =>
  await db.query<{ status: string; attempts: number; lastError: string | null }>(
    `SELECT status, attempts, last_error AS "lastError" FROM deliveries WHERE wave_id = :waveId`,
    { waveId },
  );
const makeDue = () => db.execute(`UPDATE deliveries SET next_attempt_at = now() WHERE status = 'queued'`);

function answer(code: number, text: string) {
  return Object.assign(new Error(text), { responseCode: code });
}

it('SMTP 451 then 250: retried later with backoff (not at once), then sent once', async () => {
  const wave = await queuedWave(1, 'Greylisted');
  let calls = 0;
  const accepted: ParsedMail[] = [];
  const r = await relay((stream, _s, cb) => {
    simpleParser(stream).then((mail) => {
      calls++;
      if (calls === 1) return cb(answer(451, '4.7.1 Greylisted, try again later'));
      accepted.push(mail);
      cb();
    });
  });
  try {
    await r.worker.drainOnce();
    let [d] = await statuses(wave.waveId);
    expect(d).toMatchObject({ status: 'queued', attempts: 1 });
    expect(d!.lastError).toMatch(/^451/);
    const [due] = await db.query<{ wait: number }>(
      `SELECT extract(epoch FROM next_attempt_at - now()) AS wait FROM deliveries WHERE wave_id = :waveId`,
      { waveId: wave.waveId },
    );
    expect(Number(due!.wait)).toBeGreaterThan(1); // backed off, not hammering the relay
    await r.worker.drainOnce(); // not due yet: nothing happens
    expect(calls).toBe(1);

    await makeDue();
    await r.worker.drainOnce();
    [d] = await statuses(wave.waveId);
    expect(d).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.messageId).toMatch(/^<delivery-[0-9a-f-]{36}@pulse\.acme\.test>$/);
  } finally {
    await r.close();
  }
});

it('a relay that keeps answering 4xx: the delivery fails after the attempt limit, never bounces the contact', async () => {
  const wave = await queuedWave(1, 'Always busy');
  const r = await relay((stream, _s, cb) => {
    stream.resume();
    stream.on('end', () => cb(answer(421, '4.3.2 Service not available')));
  });
  try {
    for (let i = 0; i < 6; i++) {
      await makeDue();
      await r.worker.drainOnce();
    }
    expect(await statuses(wave.waveId)).toMatchObject([{ status: 'failed', attempts: 6 }]);
    const [c] = await db.query<{ status: string }>(`SELECT status FROM contacts WHERE workspace_id = :ws`, {
      ws: wave.workspaceId,
    });
    expect(c!.status).toBe('subscribed');
  } finally {
    await r.close();
  }
});

it('SMTP 550 5.1.1 (no such user): bounced at once, and the contact is marked bounced so no later wave asks them', async () => {
  const wave = await queuedWave(2, 'Hard bounce');
  const [victim] = await db.query<{ email: string }>(
    `SELECT email FROM contacts WHERE workspace_id = :ws ORDER BY email LIMIT 1`,
    { ws: wave.workspaceId },
  );
  const r = await relay((stream, session, cb) => {
    stream.resume();
    stream.on('end', () =>
      session.envelope.rcptTo[0]!.address === victim!.email
        ? cb(answer(550, '5.1.1 <x>: Recipient address rejected: User unknown'))
        : cb(),
    );
  });
  try {
    await r.worker.drainOnce();
    expect((await statuses(wave.waveId)).map((d) => d.status).sort()).toEqual(['bounced', 'sent']);
    const contacts = await db.query<{ email: string; status: string }>(
      `SELECT email, status FROM contacts WHERE workspace_id = :ws ORDER BY email`,
      {
        ws: wave.workspaceId,
      },
    );
    expect(contacts.map((c) => c.status)).toEqual(['bounced', 'subscribed']);
    expect(await wave.summary()).toMatchObject({ recipients: 2, sent: 1, bounced: 1 });

    // The next "send now" leaves them out and counts them as suppressed.
    const waves = wavesService({ db, sealer, surveys: surveysService(db), onQueued: () => undefined });
    const next = await waves.summary(
      wave.workspaceId,
      await waves.sendNow(wave.workspaceId, wave.surveyId, wave.userId),
    );
    expect(next).toMatchObject({ recipients: 1, suppressed: 1 });
    await r.worker.drainOnce();
  } finally {
    await r.close();
  }
});

it('SMTP 554 5.7.1 (policy): the message bounces but the address is not condemned', async () => {
  const wave = await queuedWave(1, 'Soft bounce');
  const r = await relay((stream, _s, cb) => {
    stream.resume();
    stream.on('end', () => cb(answer(554, '5.7.1 Message rejected as spam')));
  });
  try {
    await r.worker.drainOnce();
    expect(await statuses(wave.waveId)).toMatchObject([{ status: 'bounced' }]);
    const [c] = await db.query<{ status: string }>(`SELECT status FROM contacts WHERE workspace_id = :ws`, {
      ws: wave.workspaceId,
    });
    expect(c!.status).toBe('subscribed');
  } finally {
    await r.close();
  }
});

it('a relay that hangs after DATA: the send times out, the delivery is recorded ambiguous (it may have arrived) and is never resent', async () => {
  const wave = await queuedWave(1, 'Hang');
  let received = 0;
  const r = await relay((stream) => {
    stream.resume();
    stream.on('end', () => received++); // swallow the message and never answer
  }, 800);
  try {
    await r.worker.drainOnce();
    expect(received).toBe(1);
    const [d] = await statuses(wave.waveId);
    expect(d!.status).toBe('ambiguous');
    expect(d!.lastError).toMatch(/may or may not/);
    await makeDue();
    await r.worker.drainOnce();
    expect(received).toBe(1);
    expect(await wave.summary()).toMatchObject({ ambiguous: 1, sent: 0, queued: 0 });
  } finally {
    await r.close();
  }
});

it.each([
  ['inside its SMTP transaction', 'ambiguous', 0, 1, "now() - interval '3 seconds'"],
  ['before its message entered an SMTP transaction', 'sent', 1, 1, 'NULL'],
] as const)(
  'a claim whose lease ran out (its worker died) %s: %s, relay copies %i, attempts %i',
  async (_when, status, copies, attempts, startedAt) => {
    const wave = await queuedWave(1, `Lease ${status}`);
    await db.execute(
      `UPDATE deliveries SET status = 'sending', attempts = 1, claim_token = gen_random_uuid(),
         lease_until = now() - interval '1 second', smtp_started_at = ${startedAt}
       WHERE wave_id = :waveId`,
      { waveId: wave.waveId },
    );
    const smtp = await startTestSmtp();
    const transport = createMailTransport(smtp.url);
    const worker = createDeliveryWorker({
      db,
      transport,
      sealer,
      log,
      publicUrl: 'https://pulse.acme.test',
      mailFrom: 'pulse@acme.test',
    });
    try {
      await worker.drainOnce();
      await worker.drainOnce();
      expect(await statuses(wave.waveId)).toMatchObject([{ status, attempts }]);
      expect(smtp.messages).toHaveLength(copies);
    } finally {
      transport.close();
      await smtp.close();
    }
  },
);

it('a worker whose claim was taken back while it waited for the relay never starts the message: the new holder sends it, once', async () => {
  const wave = await queuedWave(1, 'Taken back');
  // A's relay holds its greeting until the test lets it go.
  let greet: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => {
    greet = resolve;
  });
  let letGo: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (letGo = resolve));
  const slow = await startTestSmtp({
    onConnect: (_session, callback) => void (greet(), released.then(() => callback())),
  });
  const fine = await startTestSmtp();
  const workerOn = (transport: ReturnType<typeof createMailTransport>) =>
    createDeliveryWorker({
      db,
      transport,
      sealer,
      log,
      publicUrl: 'https://pulse.acme.test',
      mailFrom: 'pulse@acme.test',
      leaseSeconds: 60,
      maxSendMs: 10_000,
    });
  const slowTransport = createMailTransport(slow.url);
  const fineTransport = createMailTransport(fine.url);
  const a = workerOn(slowTransport);
  const b = workerOn(fineTransport);
  try {
    const passA = a.drainOnce();
    await connected;
    // A's lease runs out while it waits; B takes the claim back, claims the message again and sends it.
    await db.execute(`UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE wave_id = :waveId`, {
      waveId: wave.waveId,
    });
    await b.drainOnce();
    expect(await statuses(wave.waveId)).toMatchObject([{ status: 'sent', attempts: 1 }]);
    letGo();
    await passA;
    expect(slow.messages).toHaveLength(0);
    expect(fine.messages).toHaveLength(1);
    expect(await statuses(wave.waveId)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  } finally {
    letGo();
    slowTransport.close();
    fineTransport.close();
    await slow.close();
    await fine.close();
  }
});

it("sender: the contact's owner, else the survey's sender teammate, else the workspace; Reply-To goes to that teammate", async () => {
  const wave = await seedWorkspace(db, { contacts: 0, throttleDays: 0, name: 'Senders' });
  const [owner, teammate] = await db.query<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash) VALUES
     (:ws, 'Owen Owner', 'owen@acme.test', 'x'), (:ws, 'Tess Teammate', 'tess@acme.test', 'x') RETURNING id`,
    { ws: wave.workspaceId },
  );
  await db.execute(
    `INSERT INTO contacts (workspace_id, email, owner_user_id) VALUES (:ws, 'owned@x.test', :owner), (:ws, 'plain@x.test', NULL)`,
    { ws: wave.workspaceId, owner: owner!.id },
  );
  const smtp = await startTestSmtp();
  const transport = createMailTransport(smtp.url);
  const worker = createDeliveryWorker({
    db,
    transport,
    sealer,
    log,
    publicUrl: 'https://pulse.acme.test',
    mailFrom: 'pulse@acme.test',
    unsubscribeMailto: 'leave@acme.test',
  });
  const waves = wavesService({ db, sealer, surveys: surveysService(db), onQueued: () => undefined });
  const to = (m: ParsedMail) => (Array.isArray(m.to) ? '' : m.to!.value[0]!.address);
  try {
    await waves.sendNow(wave.workspaceId, wave.surveyId, wave.userId);
    await worker.drainOnce();
    const owned = smtp.messages.find((m) => to(m) === 'owned@x.test')!;
    const plain = smtp.messages.find((m) => to(m) === 'plain@x.test')!;
    expect(owned.from!.value[0]).toEqual({ name: 'Owen Owner', address: 'pulse@acme.test' });
    expect(owned.replyTo!.value[0]).toEqual({ name: 'Owen Owner', address: 'owen@acme.test' });
    expect(plain.from!.value[0]!.name).toBe('Acme Team');
    expect(plain.replyTo).toBeUndefined();
    const header = (name: string) =>
      owned.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/\s+/g, ' ')
        .replace(/^[\w-]+: /, '');
    expect(header('list-unsubscribe')).toMatch(
      /^<https:\/\/pulse\.acme\.test\/r\/[\w-]{43}\/unsubscribe>, <mailto:leave@acme\.test\?subject=unsubscribe>$/,
    );
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(owned.text).toContain('1 Main St, Springfield');

    await db.execute(`UPDATE surveys SET sender_user_id = :t WHERE id = :s`, {
      t: teammate!.id,
      s: wave.surveyId,
    });
    await db.execute(`UPDATE workspaces SET throttle_days = 0 WHERE id = :ws`, { ws: wave.workspaceId });
    smtp.messages.length = 0;
    await waves.sendNow(wave.workspaceId, wave.surveyId, wave.userId);
    await worker.drainOnce();
    expect(smtp.messages.find((m) => to(m) === 'owned@x.test')!.from!.value[0]!.name).toBe('Owen Owner');
    const viaSurvey = smtp.messages.find((m) => to(m) === 'plain@x.test')!;
    expect(viaSurvey.from!.value[0]!.name).toBe('Tess Teammate');
    expect(viaSurvey.replyTo!.value[0]!.address).toBe('tess@acme.test');
  } finally {
    transport.close();
    await smtp.close();
  }
});

it('graceful shutdown: sends on the wire finish, claimed-but-unstarted messages go back to the queue untouched', async () => {
  const wave = await queuedWave(20, 'Shutdown');
  const smtp = await startTestSmtp();
  const transport = createMailTransport(smtp.url);
  // 60 a minute: after the first message each start waits a second, so stop() lands with most of the batch unstarted.
  const worker = createDeliveryWorker({
    db,
    transport,
    sealer,
    log,
    publicUrl: 'https://pulse.acme.test',
    mailFrom: 'pulse@acme.test',
    ratePerMinute: 60,
    leaseSeconds: 60,
    maxSendMs: 5000,
  });
  try {
    worker.start();
    while (!smtp.messages.length) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    const rows = await statuses(wave.waveId);
    const sent = rows.filter((d) => d.status === 'sent');
    const queued = rows.filter((d) => d.status === 'queued');
    expect(rows.filter((d) => d.status === 'sending' || d.status === 'ambiguous')).toHaveLength(0);
    expect(sent.length + queued.length).toBe(20);
    expect(sent.length).toBe(smtp.messages.length);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((d) => d.attempts === 0)).toBe(true);
  } finally {
    transport.close();
    await smtp.close();
  }
});
