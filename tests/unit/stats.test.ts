import { estimateNps } from '../../src/modules/insights/npsStats';
import { compare, meanInterval, wilson } from '../../src/modules/insights/stats';

const dist = (scores: number[]) => {
  const m = new Map<number, number>();
  for (const s of scores) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
};

describe('the intervals behind every dashboard number', () => {
  it('NPS: the −1/0/+1 variance, a margin that shrinks as answers grow', () => {
    expect(estimateNps({ responses: 0, promoters: 0, detractors: 0 }).value).toBeNull();
    const large = estimateNps({ responses: 1000, promoters: 500, detractors: 200 });
    expect(large.value).toBeCloseTo(30, 10);
    // p = .5, d = .2: variance = .7 − .09 = .61 → 1.96·√(.61/999)·100 = 4.84
    expect(large.high! - large.value!).toBeCloseTo(4.843, 2);
    const small = estimateNps({ responses: 10, promoters: 5, detractors: 2 });
    expect(small.high! - small.value!).toBeGreaterThan(45);
  });

  it('a proportion: Wilson, 2 of 3 satisfied is 67 % with 20.8–93.9 %', () => {
    const w = wilson(2, 3);
    expect(w.value).toBeCloseTo(66.667, 2);
    expect(w.low).toBeCloseTo(20.77, 1);
    expect(w.high).toBeCloseTo(93.85, 1);
    // Never outside 0–100 %, even at the edges.
    expect(wilson(0, 4).low).toBe(0);
    expect(wilson(4, 4).high).toBe(100);
  });

  it('a mean: Student t, 1..5 once each is 3 ± 2.776·0.707 = ± 1.96', () => {
    const m = meanInterval(dist([1, 2, 3, 4, 5]));
    expect(m.value).toBe(3);
    expect(m.high! - m.value!).toBeCloseTo(2.7764 * Math.sqrt(2.5 / 5), 3);
    expect(meanInterval(dist([4])).low).toBeNull();
  });

  it('two proportions: Newcombe method 10 (his worked example 56/70 − 48/80 = 0.2, 0.0524 to 0.3339)', () => {
    const c = compare(wilson(56, 70), wilson(48, 80))!;
    expect(c.delta).toBeCloseTo(20, 6);
    expect(c.low).toBeCloseTo(5.24, 1);
    expect(c.high).toBeCloseTo(33.39, 1);
    expect(c.verdict).toBe('better');
  });

  it('two means: Welch t; two NPS: the normal interval of the difference', () => {
    const a = meanInterval(dist([5, 6, 7, 6, 5, 7, 6, 6]));
    const b = meanInterval(dist([2, 3, 4, 3, 2, 4, 3, 3]));
    expect(compare(a, b)).toMatchObject({ delta: 3, verdict: 'better' });
    expect(compare(b, a)?.verdict).toBe('worse');
    const before = estimateNps({ responses: 400, promoters: 160, detractors: 120 }); // 10
    const after = estimateNps({ responses: 400, promoters: 240, detractors: 80 }); // 40
    expect(compare(after, before)).toMatchObject({ verdict: 'better' });
    expect(compare(after, before)!.delta).toBeCloseTo(30, 10);
    const tinyBefore = estimateNps({ responses: 5, promoters: 1, detractors: 2 });
    const tinyAfter = estimateNps({ responses: 5, promoters: 3, detractors: 1 });
    expect(compare(tinyAfter, tinyBefore)?.verdict).toBe('unclear');
    expect(compare(after, estimateNps({ responses: 0, promoters: 0, detractors: 0 }))).toBeNull();
  });
});
