import fc from 'fast-check';
import { createTestDatabase, type ScratchDatabase } from '../helpers/testDb';
import { contactsService } from '../../src/modules/contacts';
import { compactRollups } from '../../src/modules/insights';
import { followupsErasure } from '../../src/modules/followups';
import { mailboxErasure } from '../../src/modules/mailbox';
import { responsesErasure } from '../../src/modules/responses';
import { schedulesErasure } from '../../src/modules/schedules';
import type { Question } from '../../src/modules/surveys/questions';

/**
 * The rollup is exact: after any mix of new answers (one or many per statement), changed answers, erased
 * contacts, deleted responses and compactions, rollup + pending deltas equal a recount of the raw rows
 * done here, in JavaScript, independently of the database function that maintains them.
 */
let database: ScratchDatabase;
let workspaceId: string;
let surveyId: string;

const V1: Question[] = [
  { id: 'sat', type: 'csat', text: 'Satisfied?', required: true },
  { id: 'effort', type: 'ces', text: 'Easy?', required: false },
  { id: 'plan', type: 'single_choice', text: 'Plan?', required: false, choices: ['Free', 'Pro'] },
  { id: 'used', type: 'multiple_choice', text: 'Used?', required: false, choices: ['Chat', 'Email', 'Phone'] },
  { id: 'again', type: 'yes_no', text: 'Again?', required: false },
  { id: 'role', type: 'short_text', text: 'Role', required: false },
  { id: 'why', type: 'long_text', text: 'Why?', required: false },
];
// Version 2 turns the first scale into NPS and drops the CES question: the primary question changes.
const V2: Question[] = [
  { id: 'sat', type: 'nps', text: 'Recommend?', required: true },
  ...V1.filter((q) => q.id !== 'sat' && q.id !== 'effort'),
];
const VERSIONS: Record<number, Question[]> = { 1: V1, 2: V2 };
const SCALES = new Set(['nps', 'csat', 'ces', 'rating']);

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  workspaceId = (await db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('R', 'R', 'R') RETURNING id`,
  ))!.id;
  surveyId = (await db.one<{ id: string }>(
    `INSERT INTO surveys (workspace_id, title, template) VALUES (:workspaceId, 'R', 'custom') RETURNING id`,
    { workspaceId },
  ))!.id;
  for (const v of [1, 2])
    await db.query(
      `INSERT INTO survey_versions (survey_id, version, questions) VALUES (:surveyId, :v, :q) RETURNING version`,
      {
        surveyId,
        v,
        q: JSON.stringify(VERSIONS[v]),
      },
    );
});
afterAll(() => database.drop());

const answersArb = fc.record(
  {
    effort: fc.integer({ min: 1, max: 7 }),
    plan: fc.constantFrom('Free', 'Pro'),
    used: fc.subarray(['Chat', 'Email', 'Phone']),
    again: fc.constantFrom('yes', 'no'),
    role: fc.constantFrom('', '  ', 'dev', 'ops'),
    why: fc.constantFrom('', 'slow', 'great service', '=HYPERLINK("x")'),
  },
  { requiredKeys: [] },
);
const responseArb = fc.record({
  version: fc.constantFrom(1, 2),
  daysAgo: fc.integer({ min: 0, max: 40 }),
  score: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  answers: answersArb,
  contact: fc.integer({ min: 0, max: 3 }),
});
const commandArb = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), rows: fc.array(responseArb, { minLength: 1, maxLength: 4 }) }),
  fc.record({
    op: fc.constant('change' as const),
    pick: fc.nat(),
    score: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    answers: answersArb,
  }),
  fc.record({ op: fc.constant('erase' as const), contact: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('compact' as const) }),
);

type Row = { survey_version: number; day: string; score: number | null; answers: Record<string, unknown> };

/** The cells of one response, by the rules the dashboards read (see the migration), written out again here. */
function cellsOf(r: Row): string[] {
  const out = ['#responses:'];
  const questions = VERSIONS[r.survey_version]!;
  const primary = questions.find((q) => SCALES.has(q.type));
  for (const q of questions) {
    const a = q.id === primary?.id ? r.score : r.answers[q.id];
    if (a === null || a === undefined) continue;
    if (typeof a === 'number') out.push(`${q.id}:`, ...(SCALES.has(q.type) ? [`${q.id}:${a}`] : []));
    else if (typeof a === 'string' && a.trim()) {
      out.push(`${q.id}:`);
      if (['yes_no', 'single_choice'].includes(q.type) || SCALES.has(q.type)) out.push(`${q.id}:${a}`);
    } else if (Array.isArray(a) && a.length) {
      out.push(`${q.id}:`);
      if (q.type === 'multiple_choice') out.push(...[...new Set(a as string[])].map((x) => `${q.id}:${x}`));
    }
  }
  return out;
}

async function recount() {
  const rows = await database.db.query<Row>(
    `SELECT survey_version, to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, score, answers FROM responses WHERE survey_id = :surveyId`,
    { surveyId },
  );
  const counts = new Map<string, number>();
  for (const r of rows)
    for (const c of cellsOf(r)) {
      const key = `${r.survey_version}|${r.day}|${c}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  return counts;
}

async function stored() {
  const rows = await database.db.query<{ key: string; n: number }>(
    `SELECT survey_version || '|' || to_char(day, 'YYYY-MM-DD') || '|' || question_id || ':' || value AS key, sum(n)::bigint AS n
     FROM (SELECT survey_version, day, question_id, value, n FROM insight_rollups WHERE survey_id = :surveyId
           UNION ALL SELECT survey_version, day, question_id, value, n FROM insight_rollup_unfolded WHERE survey_id = :surveyId) x
     GROUP BY 1 HAVING sum(n) <> 0`,
    { surveyId },
  );
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}

it('rollup + deltas always equal a raw recount, through inserts, changes, erasures, deletions and compactions', async () => {
  const { db } = database;
  const contacts = (
    await db.query<{ id: string }>(
      `INSERT INTO contacts (workspace_id, email) SELECT :workspaceId, 'r' || i || '@example.com' FROM generate_series(1, 4) i RETURNING id`,
      { workspaceId },
    )
  ).map((c) => c.id);
  // Erasure as the app composes it: each module erases its own part of the person.
  const erase = contactsService(db, {
    importMaxBytes: 1 << 20,
    erasure: {
      parts: [followupsErasure(db), responsesErasure(db), schedulesErasure(db)],
      forgetMessages: mailboxErasure(db),
    },
  }).erase;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 20 }), async (commands) => {
      runs++;
      for (const c of commands) {
        if (c.op === 'insert') {
          await db.query(
            `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, contact_id, submitted_at)
             SELECT :workspaceId, :surveyId, x.version, x.score, x.answers, (SELECT id FROM contacts WHERE id = x.contact), now() - make_interval(days => x.days_ago)
             FROM jsonb_to_recordset(:rows::jsonb) AS x(version int, score int, answers jsonb, contact uuid, days_ago int) RETURNING id`,
            {
              workspaceId,
              surveyId,
              rows: JSON.stringify(
                c.rows.map((r) => ({
                  version: r.version,
                  score: r.version === 2 && r.score !== null ? r.score * 2 : r.score,
                  answers: { ...r.answers, ...(r.score !== null ? { sat: r.score } : {}) },
                  contact: contacts[r.contact] ?? null,
                  days_ago: r.daysAgo,
                })),
              ),
            },
          );
        } else if (c.op === 'change') {
          // As a respondent's later save: answers merged, the score replaced.
          await db.query(
            `UPDATE responses SET score = :score, answers = answers || :answers::jsonb, updated_at = now()
             WHERE id = (SELECT id FROM responses WHERE survey_id = :surveyId ORDER BY id OFFSET :pick % greatest(1, (SELECT count(*) FROM responses WHERE survey_id = :surveyId)) LIMIT 1)
             RETURNING id`,
            { surveyId, score: c.score, answers: JSON.stringify(c.answers), pick: c.pick },
          );
        } else if (c.op === 'erase') {
          const id = contacts[c.contact]!;
          const exists = await db.one('SELECT 1 AS ok FROM contacts WHERE id = :id', { id });
          if (exists) await erase(workspaceId, id, { workspaceId, userId: null, name: 'rollups test', ip: null });
        } else if (c.op === 'delete') {
          await db.query(
            `DELETE FROM responses WHERE id = (SELECT id FROM responses WHERE survey_id = :surveyId ORDER BY id
               OFFSET :pick % greatest(1, (SELECT count(*) FROM responses WHERE survey_id = :surveyId)) LIMIT 1) RETURNING id`,
            { surveyId, pick: c.pick },
          );
        } else {
          await compactRollups(db);
        }
      }
      expect(await stored()).toEqual(await recount());
    }),
    { numRuns: 100 },
  );
  expect(runs).toBe(100);
  // And compaction moved everything: nothing pending, same numbers.
  await compactRollups(db);
  expect(Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM insight_rollup_deltas'))!.n)).toBe(0);
  expect(Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM insight_rollup_pending'))!.n)).toBe(0);
  expect(await stored()).toEqual(await recount());
  expect((await recount()).size).toBeGreaterThan(0);
}, 120_000);

it('a version whose questions are rewritten under its answers is recounted to match', async () => {
  const { db } = database;
  await db.query(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers) VALUES (:workspaceId, :surveyId, 1, 4, '{"sat": 4, "plan": "Pro"}') RETURNING id`,
    { workspaceId, surveyId },
  );
  VERSIONS[1] = V1.filter((q) => q.id !== 'plan');
  await db.query(
    `UPDATE survey_versions SET questions = :q WHERE survey_id = :surveyId AND version = 1 RETURNING version`,
    {
      surveyId,
      q: JSON.stringify(VERSIONS[1]),
    },
  );
  expect(await stored()).toEqual(await recount());
});

it("leaves no copy of an erased comment: the erasure folds the rollup's pending rows in its own transaction, counts exact", async () => {
  const { db } = database;
  await compactRollups(db);
  // A survey of its own: the test above rewrote the shared one's questions.
  const own = (await db.one<{ id: string }>(
    `INSERT INTO surveys (workspace_id, title, template) VALUES (:workspaceId, 'Own', 'custom') RETURNING id`,
    { workspaceId },
  ))!.id;
  await db.query(`INSERT INTO survey_versions (survey_id, version, questions) VALUES (:own, 1, :q) RETURNING version`, {
    own,
    q: JSON.stringify(V1),
  });
  const contactId = (await db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email) VALUES (:workspaceId, 'nurse@example.com') RETURNING id`,
    { workspaceId },
  ))!.id;
  await db.query(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, contact_id)
     VALUES (:workspaceId, :surveyId, 1, 2, :answers::jsonb, :contactId)
     RETURNING id`,
    {
      workspaceId,
      surveyId: own,
      contactId,
      answers: JSON.stringify({
        sat: 2,
        plan: 'Pro',
        used: ['Chat'],
        role: 'night nurse',
        why: 'My secret complaint',
      }),
    },
  );
  // Pending, the answer's image holds the comment (it is in `responses` too) until a fold.
  expect(JSON.stringify(await db.query('SELECT * FROM insight_rollup_pending'))).toContain('secret');
  const erase = contactsService(db, {
    importMaxBytes: 1 << 20,
    erasure: { parts: [responsesErasure(db)], forgetMessages: mailboxErasure(db) },
  }).erase;
  await erase(workspaceId, contactId, { workspaceId, userId: null, name: 'rollups test', ip: null });
  const everywhere = JSON.stringify([
    await db.query('SELECT * FROM insight_rollup_pending'),
    await db.query('SELECT * FROM insight_rollup_deltas'),
    await db.query('SELECT * FROM responses WHERE survey_id = :own', { own }),
  ]);
  expect(everywhere).not.toContain('secret');
  expect(everywhere).not.toContain('nurse');
  const cells = async () =>
    db.query(
      `SELECT day, question_id, value, sum(n)::int AS n FROM (SELECT * FROM insight_rollups UNION ALL SELECT * FROM insight_rollup_unfolded) x
       WHERE survey_id = :own GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 2, 3`,
      { own },
    );
  const expected = [
    ['#responses', ''],
    ['plan', ''],
    ['plan', 'Pro'],
    ['sat', ''],
    ['sat', '2'],
    ['used', ''],
    ['used', 'Chat'],
  ].map(([question_id, value]) => expect.objectContaining({ question_id, value, n: 1 }));
  expect(await cells()).toEqual(expected);
  await compactRollups(db);
  expect(await cells()).toEqual(expected);
});
