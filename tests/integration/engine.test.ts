import request from 'supertest';
import { createDb } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createMailTransport } from '../../src/platform/mail';
import { createDeliveryWorker } from '../../src/modules/delivery';
import { createPulseEngine, wavesService } from '../../src/modules/schedules';
import { databaseNow } from '../../src/modules/schedules/clock';
import { nextSlot } from '../../src/modules/schedules/slots';
import { surveysService } from '../../src/modules/surveys';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/testApp';
import { addContacts, days, later, minutes, seedSchedule, seedWorkspace } from '../factories/pulse';

let t: TestApp;
const log = createLogger('silent');
const HOURS_6 = 6 * 3_600_000;
const engineOn = (db = t.db) =>
  createPulseEngine({ db, sealer: t.sealer, log, graceMs: HOURS_6, onQueued: () => undefined });

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
// Each test's fake clock runs ahead: stop its schedules and empty the outbox so the next test starts clean.
afterEach(async () => {
  await t.db.execute(`UPDATE schedules SET status = 'paused', next_slot_at = NULL`);
  await t.db.execute(`UPDATE waves SET reminder_count = 0`);
  await t.worker.drainOnce();
});

const wavesOf = (scheduleId: string) =>
  t.db.query<{
    id: string;
    slotAt: Date;
    status: string;
    recipients: number;
    throttled: number;
    suppressed: number;
    audience: number;
  }>(
    `SELECT id, slot_at AS "slotAt", status, recipients, throttled, suppressed, audience FROM waves WHERE schedule_id = :scheduleId ORDER BY slot_at`,
    { scheduleId },
  );
const recipientsOf = async (waveId: string) =>
  (
    await t.db.query<{ email: string }>(
      `SELECT c.email FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE d.wave_id = :waveId ORDER BY c.email`,
      { waveId },
    )
  ).map((r) => r.email);

describe('many instances ticking at once', () => {
  it('two engines on two pools ticking the same slots open exactly one wave per slot, and two workers send one email per recipient', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 150, throttleDays: 0, name: 'Race' });
    const base = await databaseNow(t.db);
    const scheduleId = await seedSchedule(t.db, { workspaceId, surveyId, cron: '0 * * * *', checkedUntil: base });
    const db2 = createDb(t.databaseUrl, { poolMax: 5 });
    const transport2 = createMailTransport(t.smtp.url);
    try {
      const [a, b] = [engineOn(t.db), engineOn(db2)];
      let now = base;
      for (let slot = 0; slot < 3; slot++) {
        now = later(nextSlot('0 * * * *', 'UTC', now)!, 1000);
        // Each instance ticks twice for the same minute, all at once.
        await Promise.all([a.runDue(now), b.runDue(now), a.runDue(now), b.runDue(now)]);
      }
      const waves = await wavesOf(scheduleId);
      expect(waves.map((w) => w.status)).toEqual(['open', 'open', 'open']);
      expect(new Set(waves.map((w) => w.slotAt.toISOString())).size).toBe(3);
      const [{ n }] = (await t.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM deliveries d JOIN waves w ON w.id = d.wave_id WHERE w.schedule_id = :scheduleId`,
        { scheduleId },
      )) as [{ n: number }];
      expect(n).toBe(3 * 150);

      const before = t.smtp.messages.length;
      const w2 = createDeliveryWorker({
        db: db2,
        transport: transport2,
        sealer: t.sealer,
        log,
        publicUrl: PUBLIC_URL,
        mailFrom: 'pulse@rapport.test',
      });
      await Promise.all([t.worker.drainOnce(), w2.drainOnce(), t.worker.drainOnce(), w2.drainOnce()]);
      const received = t.smtp.messages.slice(before);
      expect(received).toHaveLength(450);
      expect(new Set(received.map((m) => m.messageId)).size).toBe(450);
      const sent = await t.db.query<{ n: number }>(
        `SELECT count(*) AS n FROM deliveries d JOIN waves w ON w.id = d.wave_id WHERE w.schedule_id = :scheduleId AND d.status = 'sent'`,
        { scheduleId },
      );
      expect(sent[0]!.n).toBe(450);
    } finally {
      transport2.close();
      await db2.close();
    }
  });
});

describe('downtime catch-up', () => {
  it('after ten hours down, opens only the latest missed hourly slot (within the 6 h grace) once, and records the nine older ones as skipped', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 3, name: 'Downtime' });
    const base = await databaseNow(t.db);
    const lastHour = new Date(Math.floor(base.getTime() / 3_600_000) * 3_600_000);
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '0 * * * *',
      checkedUntil: later(lastHour, -10 * 3_600_000 + 1),
    });
    const now = later(lastHour, minutes(5));
    const engine = engineOn();
    await engine.runDue(now);
    await engine.runDue(now); // a second instance, or a retry, changes nothing
    const waves = await wavesOf(scheduleId);
    expect(waves).toHaveLength(10);
    expect(waves.filter((w) => w.status === 'skipped')).toHaveLength(9);
    const open = waves.filter((w) => w.status === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]!.slotAt.toISOString()).toBe(lastHour.toISOString());
    expect(open[0]!.recipients).toBe(3);
    expect(waves.filter((w) => w.status === 'skipped').every((w) => w.recipients === 0)).toBe(true);
    const [s] = await t.db.query<{ next: Date }>(`SELECT next_slot_at AS next FROM schedules WHERE id = :scheduleId`, {
      scheduleId,
    });
    expect(s!.next.toISOString()).toBe(later(lastHour, 3_600_000).toISOString());
  });

  it('opens nothing when even the latest missed slot is older than the grace window: all are recorded as skipped', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 3, name: 'Long downtime' });
    const base = await databaseNow(t.db);
    const slot = nextSlot('0 9 * * *', 'Europe/Paris', base)!;
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '0 9 * * *',
      timeZone: 'Europe/Paris',
      checkedUntil: later(slot, -days(3) + 1),
    });
    await engineOn().runDue(later(slot, 7 * 3_600_000));
    const waves = await wavesOf(scheduleId);
    expect(waves.map((w) => w.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(
      await t.db.query(
        `SELECT d.id FROM deliveries d JOIN waves w ON w.id = d.wave_id WHERE w.schedule_id = :scheduleId`,
        { scheduleId },
      ),
    ).toHaveLength(0);
  });
});

describe('who a wave asks', () => {
  it('never asks unsubscribed or bounced contacts, counts them as suppressed, and honours tag and property filters', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 0, name: 'Suppression' });
    await t.db.execute(
      `INSERT INTO contacts (workspace_id, email, status, tags, properties) VALUES
       (:ws, 'ok@x.test', 'subscribed', '{vip}', '{"plan":"pro"}'),
       (:ws, 'plain@x.test', 'subscribed', '{}', '{"plan":"pro"}'),
       (:ws, 'free@x.test', 'subscribed', '{vip}', '{"plan":"free"}'),
       (:ws, 'left@x.test', 'unsubscribed', '{vip}', '{"plan":"pro"}'),
       (:ws, 'gone@x.test', 'bounced', '{vip}', '{"plan":"pro"}')`,
      { ws: workspaceId },
    );
    const base = await databaseNow(t.db);
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '*/5 * * * *',
      checkedUntil: base,
      audience: { tags: ['vip'], properties: { plan: 'pro' } },
    });
    await engineOn().runDue(later(nextSlot('*/5 * * * *', 'UTC', base)!, 1000));
    const [wave] = await wavesOf(scheduleId);
    expect(await recipientsOf(wave!.id)).toEqual(['ok@x.test']);
    expect(wave).toMatchObject({ recipients: 1, suppressed: 2, throttled: 0 });
  });

  it("targets a saved segment (the contacts page's filters), and a segment deleted since asks nobody rather than everyone", async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 0, name: 'Segments' });
    await t.db.execute(
      `INSERT INTO contacts (workspace_id, email, tags, properties) VALUES
       (:ws, 'pro@x.test', '{}', '{"plan":"pro"}'), (:ws, 'free@x.test', '{}', '{"plan":"free"}')`,
      { ws: workspaceId },
    );
    const seg = await t.db.one<{ id: string }>(
      `INSERT INTO segments (workspace_id, name, filter) VALUES (:ws, 'Pro', '{"properties":[{"key":"plan","value":"pro"}]}') RETURNING id`,
      { ws: workspaceId },
    );
    const base = await databaseNow(t.db);
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '*/5 * * * *',
      checkedUntil: base,
      audience: { segmentId: seg!.id },
    });
    const first = later(nextSlot('*/5 * * * *', 'UTC', base)!, 1000);
    await engineOn().runDue(first);
    await t.db.execute(`DELETE FROM segments WHERE id = :id`, { id: seg!.id });
    await engineOn().runDue(later(nextSlot('*/5 * * * *', 'UTC', first)!, 1000));
    const [kept, orphaned] = await wavesOf(scheduleId);
    expect(await recipientsOf(kept!.id)).toEqual(['pro@x.test']);
    expect(orphaned).toMatchObject({ status: 'open', recipients: 0 });
  });

  it('a contact who unsubscribes after the wave is queued is not sent to: the delivery ends suppressed', async () => {
    const { workspaceId, surveyId, userId } = await seedWorkspace(t.db, { contacts: 2, name: 'Late unsubscribe' });
    const waves = wavesService({
      db: t.db,
      sealer: t.sealer,
      surveys: surveysService(t.db),
      onQueued: () => undefined,
    });
    const waveId = await waves.sendNow(workspaceId, surveyId, userId);
    const [leaver] = await t.db.query<{ id: string; email: string }>(
      `UPDATE contacts SET status = 'unsubscribed' WHERE id = (SELECT contact_id FROM deliveries WHERE wave_id = :waveId LIMIT 1) RETURNING id, email`,
      { waveId },
    );
    const before = t.smtp.messages.length;
    await t.worker.drainOnce();
    const to = t.smtp.messages.slice(before).map((m) => (Array.isArray(m.to) ? '' : m.to!.value[0]!.address));
    expect(to).toHaveLength(1);
    expect(to).not.toContain(leaver!.email);
    const summary = await waves.summary(workspaceId, waveId);
    expect(summary).toMatchObject({ recipients: 2, sent: 1, suppressed: 1 });
  });

  it('throttle: nobody gets two invitations (any schedule or "send now") within the workspace\'s 30 days; skipped ones are counted', async () => {
    const { workspaceId, surveyId, userId } = await seedWorkspace(t.db, {
      contacts: 3,
      throttleDays: 30,
      name: 'Throttle',
    });
    const other = await surveysService(t.db).createFromTemplate(workspaceId, 'how-are-we-doing');
    const waves = wavesService({
      db: t.db,
      sealer: t.sealer,
      surveys: surveysService(t.db),
      onQueued: () => undefined,
    });
    const first = await waves.sendNow(workspaceId, surveyId, userId);
    expect((await waves.summary(workspaceId, first)).recipients).toBe(3);

    // "Send now" again, of another survey: everyone was invited moments ago, so it is refused and opens no wave.
    expect(await waves.sendNowCounts(workspaceId, other)).toMatchObject({ recipients: 0, throttled: 3 });
    await expect(waves.sendNow(workspaceId, other, userId)).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('3 were asked within the workspace'),
    });
    expect(await t.db.query(`SELECT id FROM waves WHERE survey_id = :other`, { other })).toHaveLength(0);

    // A schedule a day later reaches only the contact added since.
    const base = await databaseNow(t.db);
    await addContacts(t.db, workspaceId, 1, 'new');
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId: other,
      cron: '0 9 * * *',
      checkedUntil: later(base, days(1) - minutes(60 * 24)),
    });
    const slot1 = nextSlot('0 9 * * *', 'UTC', later(base, days(1) - minutes(60 * 24)))!;
    const engine = engineOn();
    await engine.runDue(later(slot1, 1000));
    let sched = await wavesOf(scheduleId);
    expect(sched.at(-1)).toMatchObject({ recipients: 1, throttled: 3 });

    // 31 days on, the first three are free again; the newcomer (asked at slot 1) is not until day 30 after it.
    await t.db.execute(`UPDATE schedules SET checked_until = :c, next_slot_at = :n WHERE id = :scheduleId`, {
      scheduleId,
      c: later(slot1, days(30) - minutes(60)),
      n: later(slot1, days(30)),
    });
    await engine.runDue(later(slot1, days(30) + 1000));
    sched = await wavesOf(scheduleId);
    expect(sched.at(-1)).toMatchObject({ recipients: 4, throttled: 0 });
  });

  it('rolling pulse: "each contact about every 10 days" on a daily slot asks a tenth each day, those who waited longest first', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 30, throttleDays: 0, name: 'Rolling' });
    const base = await databaseNow(t.db);
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '0 9 * * *',
      checkedUntil: base,
      cadence: 'rolling',
      cycleDays: 10,
    });
    const engine = engineOn();
    let slot = nextSlot('0 9 * * *', 'UTC', base)!;
    for (let day = 0; day < 11; day++) {
      await engine.runDue(later(slot, 1000));
      slot = later(slot, days(1));
    }
    const waves = await wavesOf(scheduleId);
    expect(waves).toHaveLength(11);
    expect(waves.map((w) => w.recipients)).toEqual(Array(11).fill(3));
    const perWave = await Promise.all(waves.map((w) => recipientsOf(w.id)));
    const firstCycle = perWave.slice(0, 10).flat();
    expect(new Set(firstCycle).size).toBe(30); // everyone once in the cycle, nobody twice
    expect(perWave[10]).toEqual(perWave[0]); // day 11: the first asked have waited longest
  });
});

describe('reminders', () => {
  it('remind only those who have not answered, unsubscribed or bounced, with the same link, never after an answer', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 4, name: 'Reminders' });
    const base = await databaseNow(t.db);
    const scheduleId = await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '0 9 * * *',
      checkedUntil: base,
      reminderCount: 2,
      reminderDays: 3,
    });
    const engine = engineOn();
    const slot = nextSlot('0 9 * * *', 'UTC', base)!;
    await engine.runDue(later(slot, 1000));
    const before = t.smtp.messages.length;
    await t.worker.drainOnce();
    const invitations = t.smtp.messages.slice(before);
    expect(invitations).toHaveLength(4);
    const byEmail = new Map(invitations.map((m) => [Array.isArray(m.to) ? '' : m.to!.value[0]!.address, m]));
    const [answered, unsubscribed, bounced, silent] = [...byEmail.keys()].sort();
    const linkOf = (email: string, mails = invitations) =>
      /href="(http:\/\/rapport\.test\/r\/[\w-]{43})\?score=/.exec(
        mails.find((m) => !Array.isArray(m.to) && m.to!.value[0]!.address === email)!.html as string,
      )![1]!;

    await request(t.app)
      .post(new URL(linkOf(answered!)).pathname)
      .type('form')
      .send({ nps: '8' })
      .expect(303);
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE email = :e`, { e: unsubscribed });
    await t.db.execute(`UPDATE contacts SET status = 'bounced' WHERE email = :e`, { e: bounced });

    // Too early: nothing. Three days on: one reminder, to the silent one only, carrying the same link.
    expect((await engine.runDue(later(slot, days(2)))).reminded).toBe(0);
    const r1 = await engine.runDue(later(slot, days(3) + minutes(5)));
    expect(r1.reminded).toBe(1);
    expect((await engine.runDue(later(slot, days(3) + minutes(6)))).reminded).toBe(0);
    const beforeReminder = t.smtp.messages.length;
    await t.worker.drainOnce();
    const reminders = t.smtp.messages.slice(beforeReminder);
    expect(reminders.map((m) => (Array.isArray(m.to) ? '' : m.to!.value[0]!.address))).toEqual([silent]);
    expect(reminders[0]!.subject).toBe('Reminder: How are we doing?');
    expect(linkOf(silent!, reminders)).toBe(linkOf(silent!));
    expect(reminders[0]!.inReplyTo).toBe(byEmail.get(silent!)!.messageId);

    // The silent one answers from the reminder: the second reminder never comes.
    await request(t.app)
      .post(new URL(linkOf(silent!, reminders)).pathname)
      .type('form')
      .send({ nps: '10' })
      .expect(303);
    await t.db.execute(`UPDATE reminders SET sent_at = sent_at - interval '4 days'`);
    expect((await engine.runDue(later(slot, days(8)))).reminded).toBe(0);

    const [wave] = await wavesOf(scheduleId);
    const summary = await wavesService({
      db: t.db,
      sealer: t.sealer,
      surveys: surveysService(t.db),
      onQueued: () => undefined,
    }).summary(workspaceId, wave!.id);
    expect(summary).toMatchObject({ recipients: 4, sent: 4, responded: 2, remindersSent: 1 });
  });

  it('a reminder claimed after the contact answered is not sent (checked again at send time)', async () => {
    const { workspaceId, surveyId } = await seedWorkspace(t.db, { contacts: 1, name: 'Late answer' });
    const base = await databaseNow(t.db);
    await seedSchedule(t.db, {
      workspaceId,
      surveyId,
      cron: '0 9 * * *',
      checkedUntil: base,
      reminderCount: 1,
      reminderDays: 3,
    });
    const engine = engineOn();
    const slot = nextSlot('0 9 * * *', 'UTC', base)!;
    await engine.runDue(later(slot, 1000));
    await t.worker.drainOnce();
    expect((await engine.runDue(later(slot, days(3) + minutes(1)))).reminded).toBe(1);
    const [d] = await t.db.query<{ id: string; contactId: string }>(
      `SELECT d.id, d.contact_id AS "contactId" FROM deliveries d JOIN reminders r ON r.delivery_id = d.id WHERE d.workspace_id = :workspaceId`,
      { workspaceId },
    );
    await t.db.execute(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score) VALUES (:workspaceId, :surveyId, 1, :id, :contactId, 9)`,
      { workspaceId, surveyId, ...d },
    );
    const before = t.smtp.messages.length;
    await t.worker.drainOnce();
    expect(t.smtp.messages.length).toBe(before);
    const [r] = await t.db.query<{ status: string }>(`SELECT status FROM reminders WHERE delivery_id = :id`, d!);
    expect(r!.status).toBe('suppressed');
  });
});
