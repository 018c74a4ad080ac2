import {
  catchUpPlan,
  CronInputError,
  describeCron,
  nextSlots,
  slotsBetween,
  slotsPerCycle,
  validateCron,
} from '../../src/modules/schedules/slots';

const iso = (d: Date[]) => d.map((x) => x.toISOString());
const at = (s: string) => new Date(s);

describe("slot arithmetic (cron-parser semantics, in the schedule's own zone)", () => {
  it('fires "every Monday 09:00" at 09:00 local in each zone, whatever the server\'s zone', () => {
    const from = at('2026-01-01T00:00:00Z');
    expect(iso(nextSlots('0 9 * * 1', 'Europe/Paris', from, 2))).toEqual([
      '2026-01-05T08:00:00.000Z',
      '2026-01-12T08:00:00.000Z',
    ]);
    expect(iso(nextSlots('0 9 * * 1', 'America/New_York', from, 1))).toEqual(['2026-01-05T14:00:00.000Z']);
    expect(iso(nextSlots('0 9 * * 1', 'Asia/Kolkata', from, 1))).toEqual(['2026-01-05T03:30:00.000Z']);
    expect(iso(nextSlots('0 9 * * 1', 'Pacific/Chatham', from, 1))).toEqual(['2026-01-04T19:15:00.000Z']);
  });

  it('keeps 09:00 local across a DST change: the UTC instant moves by an hour, the slot does not', () => {
    // Europe/Berlin springs forward on Sunday 29 March 2026.
    const slots = nextSlots('0 9 * * *', 'Europe/Berlin', at('2026-03-27T12:00:00Z'), 3);
    expect(iso(slots)).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
  });

  it('fires once on the spring-forward night even when the local time does not exist', () => {
    // 02:30 does not exist in Berlin on 29 March 2026; the slot still happens once that day, never twice or zero times.
    const { slots } = slotsBetween(
      '30 2 * * *',
      'Europe/Berlin',
      at('2026-03-28T12:00:00Z'),
      at('2026-03-30T12:00:00Z'),
    );
    expect(slots).toHaveLength(2);
    expect(slots.map((s) => s.toISOString().slice(0, 10))).toEqual(['2026-03-29', '2026-03-30']);
  });

  it('fires once, not twice, when the local time repeats on the fall-back night', () => {
    // 02:30 happens twice in Berlin on 25 October 2026.
    const { slots } = slotsBetween(
      '30 2 * * *',
      'Europe/Berlin',
      at('2026-10-24T12:00:00Z'),
      at('2026-10-26T12:00:00Z'),
    );
    expect(iso(slots)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('lists slots in (after, until]: the slot at "after" was already handled, the one at "until" is due', () => {
    const { slots } = slotsBetween('0 * * * *', 'UTC', at('2026-05-01T10:00:00Z'), at('2026-05-01T13:00:00Z'));
    expect(iso(slots)).toEqual(['2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z', '2026-05-01T13:00:00.000Z']);
  });

  it('caps a long outage to the most recent slots and counts the rest instead of iterating forever', () => {
    const { slots, dropped } = slotsBetween(
      '* * * * *',
      'UTC',
      at('2026-05-01T00:00:00Z'),
      at('2026-05-01T10:00:00Z'),
      100,
    );
    expect(slots).toHaveLength(100);
    expect(slots[99]!.toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(dropped).toBe(600 - 100);
  });

  it('treats day-of-month plus day-of-week as either (cron-parser), and says so in words the same way', () => {
    const slots = nextSlots('0 9 1 * 1', 'UTC', at('2026-06-01T10:00:00Z'), 3);
    // 1 June 2026 is a Monday; then Mondays 8 and 15 June — not "the 1st only when it is a Monday".
    expect(iso(slots)).toEqual(['2026-06-08T09:00:00.000Z', '2026-06-15T09:00:00.000Z', '2026-06-22T09:00:00.000Z']);
    expect(iso(nextSlots('0 9 1 * 1', 'UTC', at('2026-06-25T00:00:00Z'), 1))).toEqual(['2026-06-29T09:00:00.000Z']);
    expect(describeCron('0 9 1 * 1')).toMatch(/on day 1 of the month.*and on Monday|Monday.*day 1/i);
  });

  it('describes presets in words', () => {
    expect(describeCron('0 9 * * 1')).toBe('At 09:00, only on Monday');
    expect(describeCron('0 9 * * 1#1')).toMatch(/first Monday of the month/);
  });

  it('refuses bad expressions and zones with a message for the right field', () => {
    const now = at('2026-01-01T00:00:00Z');
    const fieldOf = (cron: string, zone: string) => {
      try {
        validateCron(cron, zone, now);
        return 'ok';
      } catch (err) {
        return err instanceof CronInputError ? err.field : 'other';
      }
    };
    expect(fieldOf('0 9 * * 1', 'Europe/Paris')).toBe('ok');
    expect(fieldOf('61 9 * * 1', 'UTC')).toBe('cron');
    expect(fieldOf('0 9 * *', 'UTC')).toBe('cron');
    expect(fieldOf('0 0 9 * * 1', 'UTC')).toBe('cron'); // a seconds field fires in ways the form does not show
    expect(fieldOf('0 9 30 2 *', 'UTC')).toBe('cron'); // 30 February never comes
    expect(fieldOf('0 9 * * 1', 'Mars/Olympus')).toBe('timeZone');
    expect(fieldOf('0 9 * * 1', '')).toBe('timeZone');
  });
});

describe('downtime catch-up', () => {
  const hours = (n: number) => n * 3_600_000;
  const slots = ['2026-05-01T06:00:00Z', '2026-05-01T07:00:00Z', '2026-05-01T08:00:00Z'].map(at);

  it('opens only the most recent missed slot when it is within the grace window; the older ones are skipped', () => {
    const plan = catchUpPlan(slots, at('2026-05-01T10:00:00Z'), hours(6));
    expect(plan.open?.toISOString()).toBe('2026-05-01T08:00:00.000Z');
    expect(iso(plan.skipped)).toEqual(['2026-05-01T06:00:00.000Z', '2026-05-01T07:00:00.000Z']);
  });

  it('opens nothing when even the latest missed slot is older than the grace window', () => {
    const plan = catchUpPlan(slots, at('2026-05-01T14:30:00Z'), hours(6));
    expect(plan.open).toBeUndefined();
    expect(plan.skipped).toHaveLength(3);
  });

  it('opens the one due slot in normal running', () => {
    expect(catchUpPlan([slots[2]!], at('2026-05-01T08:00:30Z'), hours(6))).toEqual({ open: slots[2], skipped: [] });
  });
});

describe('rolling pulse spread', () => {
  it('spreads a 90-day cycle over daily slots (90 per cycle), weekly slots (~13) and weekday slots (Friday covers the weekend)', () => {
    expect(slotsPerCycle('0 9 * * *', 'UTC', at('2026-05-01T09:00:00Z'), 90)).toBeCloseTo(90);
    expect(slotsPerCycle('0 9 * * 1', 'UTC', at('2026-05-04T09:00:00Z'), 91)).toBeCloseTo(13);
    expect(slotsPerCycle('0 9 * * 1-5', 'UTC', at('2026-05-08T09:00:00Z'), 90)).toBeCloseTo(30); // Fri → Mon is 3 days
  });
});
