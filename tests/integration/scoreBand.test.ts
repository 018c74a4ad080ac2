import { createTestDatabase } from '../helpers/testDb';
import { bandOf, scaleRange, type Question } from '../../src/modules/surveys/questions';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

// The band rule lives twice: bandOf in TypeScript (pages, follow-ups) and rapport_score_band in SQL (the triggers
// that keep conversations' and contacts' bands). A landed migration cannot change, so this keeps them in step.
it('bandOf and rapport_score_band agree on every scale and score', async () => {
  for (const type of ['nps', 'csat', 'ces', 'rating'] as const) {
    const questions: Question[] = [
      { id: 'intro', type: 'yes_no', text: 'Customer?', required: false },
      { id: 'score', type, text: 'How?', required: true },
    ];
    const [lo, hi] = scaleRange(questions[1]!);
    const scores = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    const rows = await database.db.query<{ score: number; band: string }>(
      `SELECT s AS score, rapport_score_band(:questions::jsonb, s) AS band FROM unnest(ARRAY[:scores]::int[]) AS s`,
      { questions: JSON.stringify(questions), scores },
    );
    expect(rows.map((r) => [type, r.score, r.band])).toEqual(scores.map((s) => [type, s, bandOf(questions[1]!, s)]));
  }
});
