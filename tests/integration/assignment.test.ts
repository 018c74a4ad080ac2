import { createDb, type Db } from '../../src/platform/db';
import { createTestApp, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let me: string;
let sam: string;
let ana: string;
let alex: string;
let vic: string;
let survey: string;
/** Another pool on the same database, wide enough for many answers confirmed at once. */
let wide: Db;

const addUser = async (name: string, email: string, role: 'owner' | 'admin' | 'member' | 'viewer') =>
  (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:workspaceId, :name, :email, 'x', :role) RETURNING id`,
    { workspaceId, name, email, role },
  ))!.id;

let n = 0;
/** A confirmed answer of a new contact (owned by `owner`, or nobody); returns the conversation's owner. */
async function answer(score: number, o: { owner?: string; db?: Db } = {}) {
  const db = o.db ?? t.db;
  const contact = (await db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, owner_user_id) VALUES (:workspaceId, :email, :owner) RETURNING id`,
    { workspaceId, email: `c${++n}@example.com`, owner: o.owner ?? null },
  ))!.id;
  const id = (await db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, contact_id, completed_at)
     VALUES (:workspaceId, :survey, 1, :score, :answers::jsonb, :contact, now()) RETURNING id`,
    { workspaceId, survey, score, answers: JSON.stringify({ nps: score }), contact },
  ))!.id;
  return (await t.db.one<{ owner: string | null }>(
    `SELECT owner_user_id AS owner FROM conversations WHERE response_id = :id`,
    { id },
  ))!.owner;
}

const optIn = (...ids: string[]) =>
  t.db.execute(
    `UPDATE memberships SET round_robin = (user_id::text = ANY (string_to_array(:ids, ','))) WHERE workspace_id = :workspaceId`,
    {
      ids: ids.join(','),
      workspaceId,
    },
  );

const tally = (owners: (string | null)[]) => {
  const names: Record<string, string> = { [me]: 'me', [sam]: 'sam', [ana]: 'ana', [alex]: 'alex', [vic]: 'vic' };
  const out: Record<string, number> = {};
  for (const o of owners) out[o ? names[o]! : 'nobody'] = (out[o ? names[o]! : 'nobody'] ?? 0) + 1;
  return out;
};

beforeAll(async () => {
  t = await createTestApp();
  wide = createDb(t.databaseUrl, { poolMax: 10 });
  agent = await signedInAgent(t.app);
  const ws = (await t.db.one<{ id: string; userId: string }>(
    `SELECT w.id, u.id AS "userId" FROM workspaces w JOIN users u ON u.workspace_id = w.id`,
  ))!;
  workspaceId = ws.id;
  me = ws.userId;
  sam = await addUser('Sam Support', 'sam@acme.test', 'member');
  ana = await addUser('Ana Agent', 'ana@acme.test', 'member');
  alex = await addUser('Alex Admin', 'alex@acme.test', 'admin');
  vic = await addUser('Vic Viewer', 'vic@acme.test', 'viewer');
  survey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
});
afterAll(async () => {
  await wide.close();
  await t.close();
});
afterEach(async () => {
  await t.db.execute(`DELETE FROM responses`);
  await t.db.execute(`DELETE FROM contacts`);
  await t.db.execute(`DELETE FROM assignment_turns`);
  await optIn();
});

describe('the round-robin toggle on the Team page', () => {
  it('puts the signed-in teammate in the rotation of this workspace, and out again', async () => {
    await submitForm(agent, '/team', '/team/round-robin', { roundRobin: 'on' });
    let page = await agent.get('/team?rotation=1').expect(200);
    expect(page.text).toContain('Round-robin setting saved.');
    expect(page.text).toContain('In the rotation now: Valeria');
    expect(page.text).toMatch(/data-testid="round-robin" checked/);
    expect(await answer(0)).toBe(me);

    await submitForm(agent, '/team', '/team/round-robin', {});
    page = await agent.get('/team').expect(200);
    expect(page.text).toContain('Nobody is in the rotation yet');
    expect(await answer(0)).toBeNull();
  });
});

describe('who an unhappy answer goes to', () => {
  it("the contact's owner first; else the opted-in teammates in turn (a viewer never); happy answers stay unassigned", async () => {
    await optIn(me, sam, ana, vic);
    expect(await answer(2, { owner: alex })).toBe(alex);
    const owners = [];
    for (let i = 0; i < 6; i++) owners.push(await answer(3));
    // Each in turn: the same teammate never twice running, and after six, two each.
    expect(tally(owners)).toEqual({ me: 2, sam: 2, ana: 2 });
    expect(owners.slice(3)).toEqual(owners.slice(0, 3));
    expect(new Set(owners.slice(0, 3)).size).toBe(3);
    expect(await answer(10)).toBeNull();
    expect(await answer(8)).toBeNull();
  });

  it('the alert goes to the teammate just chosen, not to every owner and admin', async () => {
    await optIn(sam);
    expect(await answer(1)).toBe(sam);
    const alerts = await t.db.query<{ userId: string }>(`SELECT user_id AS "userId" FROM alerts`);
    expect(alerts).toEqual([{ userId: sam }]);
  });

  it('nobody opted in: unassigned, and the alert goes to the owners and admins as before', async () => {
    expect(await answer(1)).toBeNull();
    const alerts = await t.db.query<{ userId: string }>(`SELECT user_id AS "userId" FROM alerts ORDER BY user_id`);
    expect(alerts.map((a) => a.userId).sort()).toEqual([me, alex].sort());
  });

  it('stays fair when many answers are confirmed at the same moment: 30 answers, 3 teammates, 10 each', async () => {
    await optIn(sam, ana, alex);
    const owners = await Promise.all(Array.from({ length: 30 }, () => answer(0, { db: wide })));
    expect(tally(owners)).toEqual({ sam: 10, ana: 10, alex: 10 });
    expect(Number((await t.db.one<{ turns: string }>(`SELECT turns FROM assignment_turns`))!.turns)).toBe(30);
  });
});
