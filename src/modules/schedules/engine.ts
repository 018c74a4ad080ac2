import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { Sealer } from '../../platform/tokens';
import { databaseNow } from './clock';
import { openWave, recordSkipped } from './opener';
import { remindersRepository } from './reminders.repository';
import { schedulesRepository, type DueSchedule } from './schedules.repository';
import { catchUpPlan, nextSlot, slotsBetween, slotsPerCycle } from './slots';
import type { NewWave } from './waves.repository';

export type EngineOptions = {
  db: Db;
  sealer: Sealer;
  log: Logger;
  /** A missed slot older than this is recorded as skipped instead of opened. */
  graceMs: number;
  /** Tells the delivery worker in this process that the outbox has new work. */
  onQueued: () => void;
};

/**
 * The timekeeper. Each tick, with the database clock: every due schedule is taken under a row lock (SKIP
 * LOCKED: an instance never waits on another), its missed slots are worked out with cron-parser, the
 * latest one within the grace window is opened as a wave and older ones are recorded as skipped, and the
 * schedule advances — all in one transaction, so a crash leaves either all of it or none. Then due
 * reminders are queued. Safe to run on every instance, and twice.
 */
export function createPulseEngine(o: EngineOptions) {
  const schedules = schedulesRepository(o.db);
  const reminders = remindersRepository(o.db);

  async function handle(id: string, now: Date) {
    return o.db.transaction(async (tx) => {
      const s = await schedules.lockDue(id, now, tx);
      if (!s) return { opened: 0, skipped: 0 };
      const until = s.endsAt && s.endsAt < now ? s.endsAt : now;
      const { slots, dropped } = slotsBetween(s.cron, s.timeZone, s.checkedUntil, until, 100);
      const plan = catchUpPlan(slots, now, o.graceMs);
      // An archived survey keeps its schedule but asks nobody: its slots are recorded as skipped.
      if (plan.open && s.surveyStatus !== 'active') {
        plan.skipped.push(plan.open);
        delete plan.open;
      }
      let skipped = 0;
      for (const slot of plan.skipped) if (await recordSkipped(o.db, newWave(s, slot, now), tx)) skipped++;
      const wave = plan.open ? await openWave(o.db, o.sealer, newWave(s, plan.open, now), tx) : undefined;
      const next = nextSlot(s.cron, s.timeZone, now);
      await schedules.advance(s.id, now, next && (!s.endsAt || next <= s.endsAt) ? next : null, tx);
      if (skipped || dropped)
        o.log.warn({ schedule: s.id, skipped, notRecorded: dropped }, 'missed schedule slots skipped');
      if (wave)
        o.log.info(
          { schedule: s.id, wave: wave.id, slot: plan.open, recipients: wave.recipients, throttled: wave.throttled },
          'wave opened',
        );
      return { opened: wave ? 1 : 0, skipped };
    });
  }

  /**
   * Everything due at `now`. Jobs take `now` as an argument so tests can move time; tick() reads the database
   * clock.
   */
  async function runDue(now: Date) {
    let opened = 0;
    let skipped = 0;
    // A bounded pass: whatever is left (or held by another instance right now) is due again next minute.
    for (const id of await schedules.dueIds(now, 200)) {
      try {
        const r = await handle(id, now);
        opened += r.opened;
        skipped += r.skipped;
      } catch (err) {
        o.log.error({ err, schedule: id }, 'could not open the due slot');
      }
    }
    const reminded = await reminders.enqueueDue(now);
    if (opened || reminded) o.onQueued();
    return { opened, skipped, reminded };
  }

  return {
    runDue,
    tick: async () => runDue(await databaseNow(o.db)),
  };
}
export type PulseEngine = ReturnType<typeof createPulseEngine>;

function newWave(s: DueSchedule, slot: Date, now: Date): NewWave {
  return {
    workspaceId: s.workspaceId,
    surveyId: s.surveyId,
    surveyVersion: s.surveyVersion,
    kind: 'scheduled',
    scheduleId: s.id,
    slotAt: slot,
    audience: s.audience,
    cadence:
      s.cadence === 'rolling' && s.cycleDays
        ? {
            kind: 'rolling',
            cycleDays: s.cycleDays,
            slotsPerCycle: slotsPerCycle(s.cron, s.timeZone, slot, s.cycleDays),
          }
        : { kind: 'everyone' },
    throttleDays: s.throttleDays,
    reminders: { count: s.reminderCount, days: s.reminderDays },
    now,
  };
}
