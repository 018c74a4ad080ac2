/**
 * Honest NPS: a score with its 95 % margin of error, and a comparison that says "no clear change" when the
 * difference is within the noise. Each answer counts +1 (promoter), 0 (passive) or −1 (detractor); NPS is
 * their mean × 100, so its standard error is the usual one for a mean.
 */
export type NpsCounts = { responses: number; promoters: number; detractors: number };
export type NpsEstimate = { n: number; nps: number | null; margin: number | null };

export function estimateNps({ responses: n, promoters, detractors }: NpsCounts): NpsEstimate {
  if (!n) return { n, nps: null, margin: null };
  const p = promoters / n;
  const d = detractors / n;
  const variance = p + d - (p - d) ** 2;
  const margin = n > 1 ? 1.96 * Math.sqrt(variance / (n - 1)) * 100 : null;
  return { n, nps: Math.round((p - d) * 100), margin: margin === null ? null : Math.round(margin) };
}

export type Change = { delta: number; verdict: 'better' | 'worse' | 'unclear' } | null;

/** Better or worse only when the difference exceeds the combined margin of error of both periods. */
export function compareNps(current: NpsEstimate, previous: NpsEstimate): Change {
  if (current.nps === null || previous.nps === null) return null;
  const delta = current.nps - previous.nps;
  if (current.margin === null || previous.margin === null) return { delta, verdict: 'unclear' };
  const noise = Math.sqrt(current.margin ** 2 + previous.margin ** 2);
  return { delta, verdict: Math.abs(delta) <= noise ? 'unclear' : delta > 0 ? 'better' : 'worse' };
}
