import { bandOf, isScale, scaleRange, type Question } from '../surveys';
import { estimateNps } from './npsStats';
import { meanInterval, wilson, type Estimate } from './stats';
import type { CellTotal } from './queries/getQuestionTotals';

/**
 * From counted cells to what a section shows, per question kind. Which scores are "satisfied", "easy" or a
 * promoter comes from one place, `bandOf` in the surveys module (NPS 9–10 promoter / 0–6 detractor; the top
 * values of other scales "high": CSAT 4–5, CES 5–7, rating 4–5), the same rule the inbox and alerts use.
 */
export type ScaleType = 'nps' | 'csat' | 'ces' | 'rating';
export type Bar = { label: string; n: number; pct: number | null };

export type ScaleSection = {
  kind: 'scale';
  question: Question;
  type: ScaleType;
  answered: number;
  headline: Estimate;
  mean: Estimate;
  /** NPS: promoters / passives / detractors; CSAT and CES: the share in the "high" band. */
  bands: { promoters: number; passives: number; detractors: number } | null;
  high: Estimate | null;
  distribution: Bar[];
};
export type ChoiceSection = { kind: 'choice'; question: Question; answered: number; multiple: boolean; bars: Bar[] };
export type TextSection = { kind: 'text'; question: Question; answered: number };
export type Section = ScaleSection | ChoiceSection | TextSection;

const pct = (n: number, of: number) => (of ? (n * 100) / of : null);

/** Score → count for one question, from its cells. */
export function distributionOf(cells: { value: string; n: number }[]) {
  const dist = new Map<number, number>();
  for (const c of cells)
    if (c.value !== '' && /^\d+$/.test(c.value))
      dist.set(Number(c.value), (dist.get(Number(c.value)) ?? 0) + Number(c.n));
  return dist;
}

/** The headline of a scale: NPS, CSAT % satisfied (Wilson), or the mean (t) for CES and rating. */
export function scaleEstimate(q: Question, dist: Map<number, number>): Estimate {
  if (q.type === 'nps') {
    let responses = 0;
    let promoters = 0;
    let detractors = 0;
    for (const [score, n] of dist) {
      responses += n;
      const band = bandOf(q, score);
      if (band === 'promoter') promoters += n;
      if (band === 'detractor') detractors += n;
    }
    return estimateNps({ responses, promoters, detractors });
  }
  if (q.type === 'csat') return highShare(q, dist);
  return meanInterval(dist);
}

function highShare(q: Question, dist: Map<number, number>) {
  let n = 0;
  let high = 0;
  for (const [score, c] of dist) {
    n += c;
    if (bandOf(q, score) === 'high') high += c;
  }
  return wilson(high, n);
}

/** The scores of one band of a scale, for labels: "4–5" (CSAT high), "1–3" (CSAT low). */
export function bandLabel(q: Question, band: 'high' | 'low') {
  const [lo, hi] = scaleRange(q);
  const scores: number[] = [];
  for (let s = lo; s <= hi; s++) if (bandOf(q, s) === band) scores.push(s);
  const first = scores[0];
  const last = scores[scores.length - 1];
  return first === last ? `${first}` : `${first}–${last}`;
}
export const highBandLabel = (q: Question) => bandLabel(q, 'high');

export function buildSections(questions: Question[], totals: CellTotal[]): Section[] {
  const byQuestion = new Map<string, CellTotal[]>();
  for (const t of totals) {
    const list = byQuestion.get(t.questionId) ?? [];
    list.push(t);
    byQuestion.set(t.questionId, list);
  }
  return questions.map((q): Section => {
    const cells = byQuestion.get(q.id) ?? [];
    const answered = Number(cells.find((c) => c.value === '')?.n ?? 0);
    if (isScale(q)) {
      const dist = distributionOf(cells);
      const [lo, hi] = scaleRange(q);
      const distribution: Bar[] = [];
      for (let s = lo; s <= hi; s++)
        distribution.push({ label: String(s), n: dist.get(s) ?? 0, pct: pct(dist.get(s) ?? 0, answered) });
      let bands: ScaleSection['bands'] = null;
      if (q.type === 'nps') {
        bands = { promoters: 0, passives: 0, detractors: 0 };
        for (const [score, n] of dist) bands[`${bandOf(q, score)}s` as keyof typeof bands] += n;
      }
      return {
        kind: 'scale',
        question: q,
        type: q.type as ScaleType,
        answered,
        headline: scaleEstimate(q, dist),
        mean: meanInterval(dist),
        bands,
        high: q.type === 'csat' || q.type === 'ces' ? highShare(q, dist) : null,
        distribution,
      };
    }
    if (q.type === 'yes_no' || q.type === 'single_choice' || q.type === 'multiple_choice') {
      const labels = q.type === 'yes_no' ? ['yes', 'no'] : [...(q.choices ?? [])];
      // Labels answered on an earlier version's wording of the choices are listed after today's.
      for (const c of cells) if (c.value !== '' && !labels.includes(c.value)) labels.push(c.value);
      const count = (label: string) => Number(cells.find((c) => c.value === label)?.n ?? 0);
      return {
        kind: 'choice',
        question: q,
        answered,
        multiple: q.type === 'multiple_choice',
        bars: labels.map((label) => ({
          label: q.type === 'yes_no' ? (label === 'yes' ? 'Yes' : label === 'no' ? 'No' : label) : label,
          n: count(label),
          pct: pct(count(label), answered),
        })),
      };
    }
    return { kind: 'text', question: q, answered };
  });
}

/** Where the survey's headline comes from: its first scale question (the one the email shows). */
export const SCALE_NAMES: Record<ScaleType, string> = {
  nps: 'NPS',
  csat: 'CSAT',
  ces: 'Customer effort',
  rating: 'Rating',
};
