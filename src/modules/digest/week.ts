import { isTimeZone } from '../../platform/timeZones';

/** Digests go out on Mondays from this hour, the workspace's local time, for the week that starts that Monday. */
export const DIGEST_HOUR = 8;

const DAY_MS = 86_400_000;

/** The wall-clock date and time at `at` in `timeZone`, as if it were UTC (so date arithmetic is plain). */
function wallClock(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The instant whose wall-clock time in `timeZone` is `wall` (a wall-clock time written as UTC). */
function instantOf(wall: number, timeZone: string): Date {
  // The zone's offset at a first guess, then at the instant it gives: right across a change of offset.
  const first = wall - (wallClock(new Date(wall), timeZone) - wall);
  return new Date(wall - (wallClock(new Date(first), timeZone) - first));
}

/**
 * The week `now` is in, in the workspace's time zone: its Monday (the local date, YYYY-MM-DD, the digest's
 * `week`) and the instant its digest is due (that Monday at DIGEST_HOUR, local time).
 */
export function digestWeek(now: Date, zone = 'UTC'): { week: string; dueAt: Date } {
  // A zone this Node does not know (saved by another version) is read as UTC rather than stopping every digest.
  const timeZone = isTimeZone(zone) ? zone : 'UTC';
  const wall = wallClock(now, timeZone);
  const today = wall - (wall % DAY_MS);
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS;
  return {
    week: new Date(monday).toISOString().slice(0, 10),
    dueAt: instantOf(monday + DIGEST_HOUR * 3_600_000, timeZone),
  };
}

/** The Monday of the week `now` is in, in `timeZone` (UTC unless given), as YYYY-MM-DD. */
export const mondayOf = (now: Date, timeZone = 'UTC') => digestWeek(now, timeZone).week;
