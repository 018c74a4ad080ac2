import { bandOf, type Question } from '../surveys';
import type { ScaleType } from './metrics';
import type { Change, Estimate } from './stats';

/**
 * How numbers read on the pages: rounded once, here, with their interval, in the unit of their scale. The
 * pages never say "NPS" unless the question is an NPS question.
 */
const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const digitsOf = (type: ScaleType) => (type === 'ces' || type === 'rating' ? 1 : 0);
const num = (v: number, type: ScaleType) => round(v, digitsOf(type)).toFixed(digitsOf(type));

/** The headline number alone: "33", "67 %", "5.3". */
export function value(est: Estimate, type: ScaleType) {
  if (est.value === null) return '—';
  return type === 'csat' ? `${Math.round(est.value)} %` : num(est.value, type);
}

/** The interval as a person reads it: "± 9" when symmetric (NPS, means), "21–94 %" for a proportion. */
export function interval(est: Estimate, type: ScaleType) {
  if (est.value === null || est.low === null || est.high === null) return '';
  if (est.method === 'wilson') return `${Math.round(est.low)}–${Math.round(est.high)} %`;
  return `± ${num(Math.max(est.value - est.low, est.high - est.value), type)}`;
}

export const percent = (est: Estimate) => (est.value === null ? '—' : `${Math.round(est.value)} %`);
export const wilsonRange = (est: Estimate) =>
  est.low === null || est.high === null ? '' : `${Math.round(est.low)}–${Math.round(est.high)} %`;
export const share = (pct: number | null) => (pct === null ? '—' : `${Math.round(pct)} %`);

/** What a change is counted in. */
export const UNITS: Record<ScaleType, string> = {
  nps: 'points',
  csat: 'percentage points',
  ces: 'points on the 1–7 scale',
  rating: 'points on the 1–5 scale',
};

export function delta(change: NonNullable<Change>, type: ScaleType) {
  const d = num(change.delta, type);
  return `${change.delta > 0 ? '+' : ''}${d}`;
}

export function deltaInterval(change: NonNullable<Change>, type: ScaleType) {
  if (!Number.isFinite(change.low) || !Number.isFinite(change.high)) return '';
  return `${num(change.low, type)} to ${num(change.high, type)}`;
}

/** The headline's name: "NPS", "% satisfied", "Average ease", "Average rating". */
export const HEADLINE: Record<ScaleType, string> = {
  nps: 'NPS',
  csat: '% satisfied',
  ces: 'Average ease',
  rating: 'Average rating',
};

/** The colour class of an answer's score on its scale (promoter/passive/detractor, or high/low). */
export const scoreClass = (q: Question | undefined, score: number | null) =>
  q && score !== null ? `score-${bandOf(q, score)}` : 'score-none';

/**
 * "Are we getting better?" in words, as the dashboard and the weekly digest both say it: better or worse only
 * beyond the margin of error (see stats.ts `compare`).
 */
export function verdict(change: Change, type: ScaleType) {
  if (!change) return 'Not enough answers yet to compare the last 30 days with the 30 before.';
  if (change.verdict === 'unclear')
    return `No clear change: ${delta(change, type)} ${UNITS[type]} is within the margin of error.`;
  return `${change.verdict === 'better' ? 'Better' : 'Worse'}: ${delta(change, type)} ${UNITS[type]}, more than the margin of error.`;
}

/** One 30-day period of that comparison: "67 % (21–94 %), 3 answers", or why it shows no score. */
export function period(est: Estimate, type: ScaleType, threshold: number) {
  if (est.value === null) return est.n > 0 ? `fewer than ${threshold} answers (hidden)` : 'no answers';
  const iv = interval(est, type);
  return `${value(est, type)}${iv ? ` (${iv})` : ''}, ${est.n} answer${est.n === 1 ? '' : 's'}`;
}

/** Both periods and the difference's interval: the line under the verdict. */
export function periods(
  c: { current: Estimate; previous: Estimate; change: Change },
  type: ScaleType,
  threshold: number,
) {
  const between = c.change && deltaInterval(c.change, type);
  return (
    `Last 30 days: ${HEADLINE[type]} ${period(c.current, type, threshold)} · the 30 days before: ${period(c.previous, type, threshold)}.` +
    (between ? ` The difference is between ${between} (95 %).` : '')
  );
}
