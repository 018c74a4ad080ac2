import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * The 95 % intervals behind every number a dashboard shows, and the test behind "beyond the noise".
 *
 * - Proportions (CSAT % satisfied, CES % easy, a choice's share): the Wilson score interval. Unlike the
 *   textbook p ± 1.96·√(p(1−p)/n) it never leaves 0–100 % and stays honest for small n and for p near 0 or 1
 *   (2 of 3 satisfied is 67 %, 21–94 %, not 67 ± 53 %). A difference of two proportions uses Newcombe's
 *   hybrid score interval (his method 10), built from the two Wilson intervals.
 * - Means (CES, rating): Student's t interval, mean ± t(0.975, n−1)·s/√n with the sample standard deviation;
 *   a difference of two means uses Welch's t with the Welch–Satterthwaite degrees of freedom (no equal
 *   variance assumed).
 * - NPS: see npsStats.ts (normal interval with the variance of a −1/0/+1 score).
 * Two groups are treated as independent samples: two segments sharing contacts are positively correlated,
 * which makes the test conservative (a real difference is called "unclear" a little more often, never the
 * reverse).
 */
export const Z95 = 1.959963984540054;

export type Method = 'nps' | 'wilson' | 't';
export type Estimate = {
  method: Method;
  /** Answers behind it. */
  n: number;
  /** In display units: NPS points, percent, or scale points. Null without answers. */
  value: number | null;
  low: number | null;
  high: number | null;
  /** Standard error in display units (NPS and means), for comparisons. */
  se: number | null;
  /** Welch needs the degrees of freedom of each side. */
  df?: number;
};
export type Verdict = 'better' | 'worse' | 'unclear';
export type Change = { delta: number; low: number; high: number; verdict: Verdict } | null;

const empty = (method: Method, n: number): Estimate => ({ method, n, value: null, low: null, high: null, se: null });

/** Wilson score interval of x successes in n, in percent. */
export function wilson(x: number, n: number): Estimate {
  if (!n) return empty('wilson', n);
  const p = x / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    method: 'wilson',
    n,
    value: p * 100,
    low: Math.max(0, centre - half) * 100,
    high: Math.min(1, centre + half) * 100,
    se: null,
  };
}

/** Mean with Student's t interval, from a distribution of integer scores (score → count). */
export function meanInterval(dist: Map<number, number>): Estimate {
  let n = 0;
  let sum = 0;
  for (const [v, c] of dist) {
    n += c;
    sum += v * c;
  }
  if (!n) return empty('t', n);
  const mean = sum / n;
  if (n < 2) return { method: 't', n, value: mean, low: null, high: null, se: null };
  let ss = 0;
  for (const [v, c] of dist) ss += c * (v - mean) ** 2;
  const se = Math.sqrt(ss / (n - 1) / n);
  const half = tQuantile(0.975, n - 1) * se;
  return { method: 't', n, value: mean, low: mean - half, high: mean + half, se, df: n - 1 };
}

/** Whether `current` differs from `previous` beyond the noise, with the 95 % interval of the difference. */
export function compare(current: Estimate, previous: Estimate): Change {
  if (current.value === null || previous.value === null) return null;
  const delta = current.value - previous.value;
  let low: number;
  let high: number;
  if (current.method === 'wilson') {
    // Newcombe (1998) method 10, in percent.
    if (current.low === null || previous.low === null)
      return { delta, low: -Infinity, high: Infinity, verdict: 'unclear' };
    low = delta - Math.sqrt((current.value - current.low) ** 2 + (previous.high! - previous.value) ** 2);
    high = delta + Math.sqrt((current.high! - current.value) ** 2 + (previous.value - previous.low) ** 2);
  } else if (current.se === null || previous.se === null) {
    return { delta, low: -Infinity, high: Infinity, verdict: 'unclear' };
  } else {
    const v1 = current.se ** 2;
    const v2 = previous.se ** 2;
    const se = Math.sqrt(v1 + v2);
    let crit = Z95;
    if (current.method === 't') {
      // Welch–Satterthwaite; two zero variances (everyone gave the same score) leave nothing to test against.
      const df = se === 0 ? Infinity : (v1 + v2) ** 2 / (v1 ** 2 / current.df! + v2 ** 2 / previous.df!);
      crit = Number.isFinite(df) ? tQuantile(0.975, df) : Z95;
    }
    low = delta - crit * se;
    high = delta + crit * se;
  }
  const verdict: Verdict = low > 0 ? 'better' : high < 0 ? 'worse' : 'unclear';
  return { delta, low, high, verdict };
}
