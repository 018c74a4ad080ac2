import { Z95, type Estimate } from './stats';

/**
 * Honest NPS: a score with its 95 % margin of error. Each answer counts +1 (promoter), 0 (passive) or −1
 * (detractor); NPS is their mean × 100, so its variance is p + d − (p − d)² (p, d the promoter and detractor
 * shares) and its standard error that of a mean, √(variance / (n − 1)); the interval is the normal one.
 * Comparisons go through stats.ts `compare` (difference ± 1.96·√(se₁² + se₂²)).
 */
export type NpsCounts = { responses: number; promoters: number; detractors: number };

export function estimateNps({ responses: n, promoters, detractors }: NpsCounts): Estimate {
  if (!n) return { method: 'nps', n, value: null, low: null, high: null, se: null };
  const p = promoters / n;
  const d = detractors / n;
  const value = (p - d) * 100;
  if (n < 2) return { method: 'nps', n, value, low: null, high: null, se: null };
  const se = Math.sqrt((p + d - (p - d) ** 2) / (n - 1)) * 100;
  return {
    method: 'nps',
    n,
    value,
    low: Math.max(-100, value - Z95 * se),
    high: Math.min(100, value + Z95 * se),
    se,
  };
}
