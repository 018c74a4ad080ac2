import { CronExpressionParser, type CronExpression } from 'cron-parser';
import cronstrue from 'cronstrue';
import { isTimeZone } from '../../platform/timeZones';

/**
 * Slot arithmetic. cron-parser is the one source of truth for when a schedule fires AND for what the form
 * shows (next runs); cronstrue words it the same way (day-of-month + day-of-week = either, like Vixie cron).
 * node-cron only wakes the process up every minute; it never decides a slot.
 */

export class CronInputError extends Error {
  constructor(
    readonly field: 'cron' | 'timeZone',
    message: string,
  ) {
    super(message);
  }
}

const FIELDS = /^\S+(\s+\S+){4}$/;

function parse(cron: string, timeZone: string, currentDate: Date): CronExpression {
  if (!isTimeZone(timeZone))
    throw new CronInputError('timeZone', 'Choose a time zone from the list, such as Europe/Paris.');
  const expr = cron.trim();
  // Five fields only: a seconds field or an @-macro would fire in ways the form does not show.
  if (!FIELDS.test(expr))
    throw new CronInputError(
      'cron',
      'Enter five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1".',
    );
  if (/[Hh?]/.test(expr))
    throw new CronInputError('cron', 'Use numbers, ranges (1-5), lists (1,15), steps (*/2), L or # — not H or ?.');
  try {
    return CronExpressionParser.parse(expr, { tz: timeZone, currentDate, strict: false });
  } catch (err) {
    throw new CronInputError('cron', `That expression is not valid: ${(err as Error).message}.`);
  }
}

/** Throws CronInputError with a message a person can act on; also refuses expressions that never fire. */
export function validateCron(cron: string, timeZone: string, now: Date): void {
  const it = parse(cron, timeZone, now);
  try {
    it.next();
  } catch {
    throw new CronInputError('cron', 'That expression never fires (check the day and month).');
  }
}

/** The first slot strictly after `after`. */
export function nextSlot(cron: string, timeZone: string, after: Date): Date | null {
  try {
    return parse(cron, timeZone, after).next().toDate();
  } catch {
    return null;
  }
}

export function nextSlots(cron: string, timeZone: string, after: Date, count: number): Date[] {
  const it = parse(cron, timeZone, after);
  const out: Date[] = [];
  for (let i = 0; i < count; i++) {
    try {
      out.push(it.next().toDate());
    } catch {
      break;
    }
  }
  return out;
}

/**
 * Slots in (after, until], oldest first, at most `cap` of the most recent ones (a schedule that fires every
 * minute and was down for a month must not cost a month of iteration; the rest are reported as a count).
 */
export function slotsBetween(
  cron: string,
  timeZone: string,
  after: Date,
  until: Date,
  cap = 500,
): { slots: Date[]; dropped: number } {
  const it = parse(cron, timeZone, after);
  const slots: Date[] = [];
  let dropped = 0;
  for (;;) {
    let next: Date;
    try {
      next = it.next().toDate();
    } catch {
      break;
    }
    if (next > until) break;
    slots.push(next);
    if (slots.length > cap) {
      slots.shift();
      dropped++;
    }
  }
  return { slots, dropped };
}

/**
 * After downtime: only the most recent missed slot, and only if it is within the grace window, is opened;
 * every other missed slot is recorded as skipped. Never a burst.
 */
export function catchUpPlan(slots: Date[], now: Date, graceMs: number): { open?: Date; skipped: Date[] } {
  if (!slots.length) return { skipped: [] };
  const latest = slots[slots.length - 1]!;
  if (now.getTime() - latest.getTime() <= graceMs) return { open: latest, skipped: slots.slice(0, -1) };
  return { skipped: slots };
}

/** The expression in words, the way cron-parser fires it. */
export function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron.trim(), {
      use24HourTimeFormat: true,
      verbose: true,
      throwExceptionOnParseError: true,
    });
  } catch {
    return '';
  }
}

/** How many slots of this schedule fit in a cycle, judged from this slot to the next one. */
export function slotsPerCycle(cron: string, timeZone: string, slot: Date, cycleDays: number): number {
  const next = nextSlot(cron, timeZone, slot);
  if (!next) return 1;
  const gap = next.getTime() - slot.getTime();
  return Math.max(1, (cycleDays * 86_400_000) / gap);
}

/** A slot time as a person in the schedule's zone reads it. */
export function formatInZone(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

export const PRESETS = [
  { key: 'weekly-monday', label: 'Every Monday at 09:00', cron: '0 9 * * 1' },
  // Standard cron cannot say "first Mon–Fri of the month"; the first Monday is the closest honest preset.
  { key: 'monthly-first-monday', label: 'First Monday of the month at 09:00', cron: '0 9 * * 1#1' },
  { key: 'monthly-first', label: 'First day of the month at 09:00', cron: '0 9 1 * *' },
  { key: 'quarterly', label: 'Quarterly (1 Jan, Apr, Jul, Oct) at 09:00', cron: '0 9 1 1,4,7,10 *' },
] as const;

/**
 * Whether a (valid) expression can fire twice within an hour: with five fields that is exactly when its minute
 * field matches more than one minute ("*", "*\/15", "0,30"). One minute per hour is at most hourly.
 */
export function firesMoreThanHourly(cron: string): boolean {
  return CronExpressionParser.parse(cron.trim(), { strict: false }).fields.minute.values.length > 1;
}
