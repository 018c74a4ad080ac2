import { compareNps, estimateNps } from '../../src/modules/insights/npsStats';

describe('honest NPS', () => {
  it('computes NPS with a 95% margin of error that shrinks as answers grow', () => {
    expect(estimateNps({ responses: 0, promoters: 0, detractors: 0 })).toEqual({ n: 0, nps: null, margin: null });
    const small = estimateNps({ responses: 10, promoters: 5, detractors: 2 });
    const large = estimateNps({ responses: 1000, promoters: 500, detractors: 200 });
    expect(small.nps).toBe(30);
    expect(large.nps).toBe(30);
    // p=.5, d=.2: variance = .7 - .09 = .61 → 1.96·sqrt(.61/999)·100 ≈ 4.8
    expect(large.margin).toBe(5);
    expect(small.margin!).toBeGreaterThan(45);
  });

  it('calls a change only when it exceeds the noise of both periods', () => {
    const before = estimateNps({ responses: 400, promoters: 160, detractors: 120 }); // 10
    const after = estimateNps({ responses: 400, promoters: 240, detractors: 80 }); // 40
    expect(compareNps(after, before)).toEqual({ delta: 30, verdict: 'better' });
    expect(compareNps(before, after)).toEqual({ delta: -30, verdict: 'worse' });
    const tinyBefore = estimateNps({ responses: 5, promoters: 1, detractors: 2 });
    const tinyAfter = estimateNps({ responses: 5, promoters: 3, detractors: 1 });
    expect(compareNps(tinyAfter, tinyBefore)?.verdict).toBe('unclear');
    expect(compareNps(after, estimateNps({ responses: 0, promoters: 0, detractors: 0 }))).toBeNull();
  });
});
