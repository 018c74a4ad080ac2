import type { Db } from '../../platform/db';
import { record, type Actor } from '../audit';
import { AppError, found, invalid } from '../../platform/errors';
import type { SurveysService } from '../surveys';
import { databaseNow } from './clock';
import { schedulesRepository, type Schedule, type ScheduleInput } from './schedules.repository';
import type { ScheduleForm } from './schedules.schemas';
import {
  CronInputError,
  describeCron,
  firesMoreThanHourly,
  formatInZone,
  nextSlot,
  nextSlots,
  validateCron,
} from './slots';

const NO_SEND_LEFT = 'This schedule has no send left (its end date has passed). Change its end date first.';

export type Preview = { words: string; next: { at: Date; local: string }[] };

/** The saved segments a schedule may target (the contacts module's), by id and name. */
export type SegmentNames = (workspaceId: string) => Promise<{ id: string; name: string }[]>;

export function schedulesService({
  db,
  surveys,
  segments,
}: {
  db: Db;
  surveys: SurveysService;
  segments: SegmentNames;
}) {
  const repo = schedulesRepository(db);

  /**
   * `* * * * *` once emailed a whole list within seconds: more often than hourly needs the workspace's
   * explicit permission (Settings), checked when a schedule is saved and again when it is activated.
   */
  async function frequencyProblem(workspaceId: string, cron: string) {
    return firesMoreThanHourly(cron) && !(await repo.allowsFrequent(workspaceId))
      ? 'This sends more than once an hour (its minute field matches several minutes). Choose one minute, such as "0 9 * * 1", or ask an owner or admin to allow frequent schedules in Settings.'
      : undefined;
  }
  async function checkFrequency(workspaceId: string, cron: string) {
    const problem = await frequencyProblem(workspaceId, cron);
    if (problem) throw invalid('Please correct the schedule.', { cron: problem });
  }

  /**
   * The form as a schedule, or every problem at once (a form with two bad fields flags both): the expression
   * or zone, how often it fires, the end date, the segment.
   */
  async function checked(workspaceId: string, f: ScheduleForm, now: Date): Promise<ScheduleInput> {
    const fields: Record<string, string> = {};
    let zoneOk = true;
    try {
      validateCron(f.cron, f.timeZone, now);
      const frequent = await frequencyProblem(workspaceId, f.cron);
      if (frequent) fields.cron = frequent;
    } catch (err) {
      if (!(err instanceof CronInputError)) throw err;
      fields[err.field] = err.message;
      if (err.field === 'timeZone') {
        zoneOk = false;
        try {
          validateCron(f.cron, 'UTC', now);
        } catch (again) {
          if (!(again instanceof CronInputError)) throw again;
          fields.cron = again.message;
        }
      }
    }
    let endsAt: Date | null = null;
    try {
      endsAt = zoneOk ? endOfDay(f, now) : null;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      Object.assign(fields, err.fields);
    }
    if (f.segmentId && !(await segments(workspaceId)).some((s) => s.id === f.segmentId))
      fields.segmentId = 'Choose one of the segments listed.';
    if (Object.keys(fields).length) throw invalid('Please correct the schedule.', fields);
    return {
      name: f.name,
      cron: f.cron,
      timeZone: f.timeZone,
      audience: { tags: f.tags, properties: f.properties, ...(f.segmentId ? { segmentId: f.segmentId } : {}) },
      cadence: f.cadence,
      cycleDays: f.cycleDays,
      reminderCount: f.reminderCount,
      reminderDays: f.reminderDays,
      endsAt,
    };
  }

  /** The expression in words and its next five slots in the schedule's zone, or a message per field. */
  function preview(cron: string, timeZone: string, now: Date): Preview {
    try {
      validateCron(cron, timeZone, now);
    } catch (err) {
      if (err instanceof CronInputError) throw invalid('Please correct the schedule.', { [err.field]: err.message });
      throw err;
    }
    return {
      words: describeCron(cron),
      next: nextSlots(cron, timeZone, now, 5).map((at) => ({ at, local: formatInZone(at, timeZone) })),
    };
  }

  /** The end date is the end of that day in the schedule's own zone (worked out by the same cron library). */
  function endOfDay(f: ScheduleForm, now: Date): Date | null {
    let endsAt: Date | null = null;
    if (f.endsOn) {
      const [y, m, d] = f.endsOn.split('-').map(Number) as [number, number, number];
      const dayStart = new Date(Date.UTC(y, m - 1, d) - 2 * 86_400_000);
      const lastMinute = nextSlot(`59 23 ${d} ${m} *`, f.timeZone, dayStart);
      if (!lastMinute || Math.abs(lastMinute.getTime() - Date.UTC(y, m - 1, d)) > 2 * 86_400_000)
        throw invalid('Please correct the schedule.', { endsOn: 'That date does not exist.' });
      endsAt = new Date(lastMinute.getTime() + 59_999);
      if (endsAt <= now)
        throw invalid('Please correct the schedule.', {
          endsOn: 'Choose an end date in the future, or leave it empty.',
        });
    }
    return endsAt;
  }

  const firstSlot = (s: Pick<Schedule, 'cron' | 'timeZone' | 'endsAt'>, now: Date) => {
    const next = nextSlot(s.cron, s.timeZone, now);
    return next && (!s.endsAt || next <= s.endsAt) ? next : null;
  };

  const get = (workspaceId: string, id: string) => found(repo.find(workspaceId, id), 'schedule');

  return {
    preview,
    segments,
    now: () => databaseNow(db),

    async create(workspaceId: string, surveyId: string, userId: string, form: ScheduleForm) {
      await surveys.get(workspaceId, surveyId);
      const now = await databaseNow(db);
      const input = await checked(workspaceId, form, now);
      // A new schedule waits, paused, until someone activates it on a page saying when and to how many.
      return repo.create(workspaceId, surveyId, userId, input, now);
    },

    async update(workspaceId: string, id: string, form: ScheduleForm) {
      const s = await get(workspaceId, id);
      const now = await databaseNow(db);
      const input = await checked(workspaceId, form, now);
      await repo.update(workspaceId, id, input, now, s.status === 'active' ? firstSlot(input, now) : null);
      return s;
    },

    async pause(workspaceId: string, id: string) {
      const s = await get(workspaceId, id);
      await repo.setStatus(workspaceId, id, 'paused', await databaseNow(db), null);
      return s;
    },

    /** Activating (or resuming) is confirmed on its own page; a schedule that would never fire again is refused. */
    /** Activated and audited in one transaction: both or neither. */
    async activate(workspaceId: string, id: string, from: Actor) {
      const s = await get(workspaceId, id);
      await checkFrequency(workspaceId, s.cron);
      const now = await databaseNow(db);
      const next = firstSlot(s, now);
      if (!next) throw invalid(NO_SEND_LEFT);
      await db.transaction(async (tx) => {
        await repo.setStatus(workspaceId, id, 'active', now, next, tx);
        await record(
          db,
          from,
          { action: 'schedule.activated', subject: s.name || s.cron, details: { schedule: s.id } },
          tx,
        );
      });
      return s;
    },

    /** Why this schedule cannot be activated, in words; null when it can. */
    async activationRefusal(workspaceId: string, s: Schedule): Promise<string | null> {
      try {
        await checkFrequency(workspaceId, s.cron);
      } catch (err) {
        if (err instanceof AppError) return err.fields.cron ?? err.message;
        throw err;
      }
      return firstSlot(s, await databaseNow(db)) ? null : NO_SEND_LEFT;
    },

    /** "Segment “Pro customers”, tagged vip, with plan = pro": who a schedule is for, as the lists show it. */
    async audienceWords(workspaceId: string, s: Pick<Schedule, 'audience'>) {
      const { segmentId, tags = [], properties = {} } = s.audience;
      const parts: string[] = [];
      if (segmentId) {
        const name = (await segments(workspaceId)).find((g) => g.id === segmentId)?.name;
        parts.push(name ? `Segment “${name}”` : 'A deleted segment (nobody)');
      } else parts.push('All subscribed contacts');
      if (tags.length) parts.push(`tagged ${tags.join(', ')}`);
      const props = Object.entries(properties).map(([k, v]) => `${k} = ${v}`);
      if (props.length) parts.push(`with ${props.join(', ')}`);
      return parts.join(', ');
    },

    /** When an activated schedule would first send, in its own zone; null when it never would. */
    nextSend: async (s: Schedule) => {
      const next = firstSlot(s, await databaseNow(db));
      return next ? formatInZone(next, s.timeZone) : null;
    },

    async remove(workspaceId: string, id: string) {
      const s = await get(workspaceId, id);
      await repo.softDelete(workspaceId, id);
      return s;
    },

    get,
    listForSurvey: repo.listForSurvey,
    describe: (s: Schedule) => ({
      words: describeCron(s.cron),
      nextLocal: s.nextSlotAt ? formatInZone(s.nextSlotAt, s.timeZone) : null,
      state: s.status === 'paused' ? 'paused' : s.nextSlotAt ? 'active' : 'ended',
    }),
  };
}
export type SchedulesService = ReturnType<typeof schedulesService>;
