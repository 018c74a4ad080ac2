import type { Question } from '../surveys';
import type { Grain } from './insights.schemas';
import { distributionOf, scaleEstimate } from './metrics';
import type { GrainDensity } from './queries/getTrendDensity';
import type { TrendCell } from './queries/getTrend';
import type { Estimate } from './stats';

/** Below this many answers a point's interval is wide: it is drawn hollow and the legend says why. */
export const FEW_ANSWERS = 30;
/** The most points one chart gets; a longer range at that grain shows its latest points and says so. */
export const MAX_POINTS = 400;

export type TrendPoint = {
  period: string;
  n: number;
  /** null: no answers, or fewer than the anonymity threshold (hidden). */
  value: number | null;
  low: number | null;
  high: number | null;
  hidden: boolean;
  few: boolean;
};

const STEP: Record<Grain, (d: Date) => void> = {
  day: (d) => d.setUTCDate(d.getUTCDate() + 1),
  week: (d) => d.setUTCDate(d.getUTCDate() + 7),
  month: (d) => d.setUTCMonth(d.getUTCMonth() + 1),
  quarter: (d) => d.setUTCMonth(d.getUTCMonth() + 3),
};

/** The first day of the period holding `day` (weeks start on Monday, as PostgreSQL's date_trunc). */
export function periodStart(day: string, grain: Grain): Date {
  const d = new Date(`${day}T00:00:00Z`);
  if (grain === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (grain === 'month' || grain === 'quarter') {
    d.setUTCDate(1);
    if (grain === 'quarter') d.setUTCMonth(d.getUTCMonth() - (d.getUTCMonth() % 3));
  }
  return d;
}

export function periodsBetween(start: string, end: string, grain: Grain): string[] {
  const out: string[] = [];
  const d = periodStart(start, grain);
  const last = periodStart(end, grain).getTime();
  while (d.getTime() <= last) {
    out.push(d.toISOString().slice(0, 10));
    STEP[grain](d);
  }
  return out;
}

/** The reader's grain, else the finest whose periods hold at least FEW_ANSWERS answers on average. */
export function chooseGrain(asked: Grain | undefined, densities: GrainDensity[]): Grain {
  if (asked) return asked;
  const order: Grain[] = ['day', 'week', 'month', 'quarter'];
  return (
    order.find((g) => {
      const d = densities.find((x) => x.grain === g);
      return d && d.periods > 1 && d.answers / d.periods >= FEW_ANSWERS;
    }) ?? 'quarter'
  );
}

/**
 * The points of a trend: every period of the window (empty ones too, so a gap shows as a gap), each with
 * its answers and, for a scale, its estimate and 95 % interval. Periods with fewer answers than the
 * anonymity threshold show no value.
 */
export function buildPoints(
  periods: string[],
  cells: TrendCell[],
  primary: Question | undefined,
  threshold: number,
): TrendPoint[] {
  const byPeriod = new Map<string, TrendCell[]>();
  for (const c of cells) byPeriod.set(c.period, [...(byPeriod.get(c.period) ?? []), c]);
  return periods.map((period) => {
    const list = byPeriod.get(period) ?? [];
    const n = Number(list.find((c) => c.value === '')?.n ?? 0);
    // A count of answers tells nothing about anyone; a score of two people's answers can.
    const hidden = !!primary && n > 0 && n < threshold;
    let est: Estimate | null = null;
    if (primary && n && !hidden) est = scaleEstimate(primary, distributionOf(list));
    return {
      period,
      n,
      value: primary ? (est?.value ?? null) : n,
      low: est?.low ?? null,
      high: est?.high ?? null,
      hidden,
      few: n > 0 && n < FEW_ANSWERS,
    };
  });
}
