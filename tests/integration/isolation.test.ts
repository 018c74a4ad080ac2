import crypto from 'node:crypto';
import request from 'supertest';
import { png } from '../factories/images';
import { accountsService } from '../../src/modules/accounts';
import { POLICY } from '../../src/modules/accounts/policy';
import { routeTable } from '../helpers/routes';
import { createTestApp, csrfFrom, OWNER, sendNow, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedSurvey } from '../factories/respondent';

type Agent = ReturnType<typeof request.agent>;

/**
 * Tenant isolation, by crawling: two workspaces with data; signed in as an owner of A, every signed-in route of
 * the app's route table is requested with every id of workspace B (from the database) in the path, in the query
 * and in the form fields (with a valid CSRF token). Each answer must be a refusal (404/403, or a form refused
 * as a 4xx), or a redirect to a page of A; no answer may show anything of B (its text is marked "Bravo"); and
 * afterwards B's rows are exactly as they were (count and hash of every table's rows), and no row of A points
 * at an id of B.
 */

/** Tables with no row in B here, and why (every other table with workspace_id must have some). */
const NOT_SEEDED: Record<string, string> = {
  api_idempotency: 'API-only (Idempotency-Key on POST /api/v1): keyed by API key, not reachable from team pages',
  api_settings: "the Delighted door's survey choice: a single row reachable only through its own form",
  digests: 'the weekly digest outbox: made by the digest job, never by a team page',
  webhook_attempts: 'made only by the webhook worker posting',
  webhook_notices: 'made only when the webhook worker disables an endpoint',
  reminders: 'made by the reminder job days after a wave',
  scanned_deliveries: 'made when a mail scanner prefetches a link',
  insight_rollup_deltas: 'written by triggers and compacted away into insight_rollups',
  insight_rollup_pending: "written by the responses' trigger and compacted away into insight_rollups",
  insight_rollups: 'filled by the rollup compactor job from the deltas',
  escalations: 'the overdue outbox: made by the escalation job a day after an unhappy answer',
  assignment_turns: "made when round-robin assigns an unhappy answer (seeded answers have the owner's contact)",
  customer_reply_notices: 'made when a customer reply arrives by email (inbound), never by a team page',
  inbound_messages: "made only by the inbound SMTP listener or IMAP poller (the customer's mail)",
  theme_update_messages: 'made when a "You said, we did" update is confirmed and fanned out',
};

/** Query and form names that carry an id somewhere in the app (schemas' uuid fields and filters). */
const ID_NAMES = [
  'id',
  'ids',
  'a',
  'b',
  'owner',
  'ownerId',
  'ownerUserId',
  'segment',
  'segmentId',
  'senderUserId',
  'successorId',
  'survey',
  'surveyId',
  'workspaceId',
  'contactId',
  'actor',
];

/** Requests per route with B's ids in the query or the form (each covers ID_NAMES.length ids of B). */
const ROTATIONS = 2;

/** Routes not crawled, and why. */
const SKIPPED = new Set([
  'POST /logout', // would end the crawler's own session
  'POST /account/sessions/others/end',
]);

let t: TestApp;
let ownerA: Agent;
let workspaceA: string;
let workspaceB: string;

async function fill(agent: Agent, marker: string) {
  await submitForm(agent, '/contacts', '/contacts/paste', {
    lines: [
      `${marker} Ada, ada@${marker.toLowerCase()}.test`,
      `${marker} Grace, grace@${marker.toLowerCase()}.test`,
    ].join('\n'),
  });
  await submitForm(agent, '/contacts', '/contacts/segments', { name: `${marker} VIPs`, tag: 'vip' });
  await submitForm(agent, '/contacts/suppressions', '/contacts/suppressions', {
    emails: `gone@${marker.toLowerCase()}.test`,
  });
  const created = await submitForm(agent, '/surveys/new', '/surveys', { template: 'how-are-we-doing' });
  const surveyId = created.headers.location!.split('/')[2]!;
  await sendNow(agent, surveyId);
  await t.worker.drainOnce();
  const mail = await t.db.one<{ text: string }>(
    `SELECT text FROM mailbox_messages WHERE lower(to_text) LIKE :like ORDER BY id DESC LIMIT 1`,
    { like: `%@${marker.toLowerCase()}.test%` },
  );
  const token = /\/r\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
  if (token)
    await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send({ nps: '2', reason: `${marker} says it is slow` })
      .expect(303);
  await submitForm(agent, `/surveys/${surveyId}/schedules/new`, `/surveys/${surveyId}/schedules`, {
    preset: 'custom',
    cron: '0 9 * * 1',
    timeZone: 'Europe/Paris',
    cadence: 'everyone',
    intent: 'save',
  });
  await submitForm(agent, '/team', '/team/invitations', { email: `new@${marker.toLowerCase()}.test`, role: 'member' });
  const keys = await agent.get('/settings/api-keys').expect(200);
  await agent
    .post('/settings/api-keys')
    .type('form')
    .send({ _csrf: csrfFrom(keys.text), name: `${marker} key`, scopes: 'read' })
    .expect(201);
  const hooks = await agent.get('/settings/webhooks').expect(200);
  await agent
    .post('/settings/webhooks')
    .type('form')
    .send(
      new URLSearchParams([
        ['_csrf', csrfFrom(hooks.text)],
        ['url', 'http://127.0.0.1:9/hooks'],
        ['description', `${marker} CRM`],
        ['format', 'standard'],
        ['events', 'response.confirmed'],
      ]).toString(),
    )
    .expect(200);
  await submitForm(agent, '/settings/retention', '/settings/retention', { months: '24', action: 'anonymise' });
  await submitForm(agent, '/settings/inbox', '/settings/inbox', { opens: 'every' });
  await submitForm(agent, '/saved-replies', '/saved-replies', {
    title: `${marker} thanks`,
    body: `${marker} saved reply`,
  });

  const workspaceId = (await t.db.one<{ w: string }>(`SELECT workspace_id AS w FROM surveys WHERE id = :surveyId`, {
    surveyId,
  }))!.w;
  // The respondent's click, the team's reply and note on the answer.
  if (token) await request(t.app).get(`/r/${token}?score=2`).expect(200);
  const responseId = (await t.db.one<{ id: string }>(`SELECT id FROM responses WHERE workspace_id = :workspaceId`, {
    workspaceId,
  }))!.id;
  await submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/notes`, { note: `${marker} note` });
  await submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/replies`, { body: `${marker} reply` });
  // A webhook test event (its delivery and event rows), a logo, the survey's public link.
  const hookId = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_endpoints WHERE workspace_id = :workspaceId`, {
    workspaceId,
  }))!.id;
  await submitForm(agent, `/settings/webhooks/${hookId}`, `/settings/webhooks/${hookId}/test`, {});
  const settings = await agent.get('/settings').expect(200);
  await agent
    .post('/settings/logo')
    .field('_csrf', csrfFrom(settings.text))
    .attach('logo', png(120, 40), { filename: 'logo.png', contentType: 'image/png' })
    .expect(303);
  await agent.get(`/surveys/${surveyId}`).expect(200);
  await t.db.execute(
    `INSERT INTO survey_public_links (survey_id, workspace_id, token_hash, token_sealed)
     VALUES (:surveyId, :workspaceId, :hash, 'sealed') ON CONFLICT DO NOTHING`,
    { surveyId, workspaceId, hash: crypto.randomBytes(32) },
  );
  // A "You said, we did" draft, as /updates leaves it (a theme of the survey's comments).
  await t.db.execute(
    `INSERT INTO theme_updates (workspace_id, survey_id, question_id, theme, body, author_name)
     VALUES (:workspaceId, :surveyId, 'reason', 'exports', '${marker} we rebuilt the exports', '${marker} owner')`,
    { workspaceId, surveyId },
  );
  // An import with a refused row, as the import's upload and load leave them.
  const importId = (await t.db.one<{ id: string }>(
    `INSERT INTO contact_imports (workspace_id, created_by, filename, status, delimiter, headers)
     SELECT :workspaceId, user_id, '${marker}.csv', 'uploaded', ',', '["Email"]' FROM memberships WHERE workspace_id = :workspaceId LIMIT 1 RETURNING id`,
    { workspaceId },
  ))!.id;
  await t.db.execute(
    `INSERT INTO contact_import_chunks (import_id, seq, data) VALUES (:importId, 0, convert_to('Email', 'UTF8'))`,
    { importId },
  );
  await t.db.execute(
    `INSERT INTO contact_import_refusals (import_id, row_number, email, reason) VALUES (:importId, 2, 'x', '${marker} refused')`,
    { importId },
  );
  return surveyId;
}

/** Every workspace-scoped table: its name and whether it has an `id` column. */
async function scopedTables() {
  return t.db.query<{ name: string; hasId: boolean }>(
    `SELECT c.table_name AS name,
       EXISTS (SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public' AND i.table_name = c.table_name AND i.column_name = 'id') AS "hasId"
     FROM information_schema.columns c JOIN information_schema.tables tb
       ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND c.column_name = 'workspace_id' ORDER BY 1`,
  );
}

/** Row count and a hash of every row of B, per table (and B's own workspace row, and its people). */
async function snapshotOf(workspaceId: string) {
  const out: Record<string, string> = {};
  for (const { name } of await scopedTables()) {
    const row = await t.db.one<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${name} x WHERE workspace_id = :w`,
      { w: workspaceId },
    );
    out[name] = `${row!.n}:${row!.h}`;
  }
  const ws = await t.db.one<{ h: string }>(`SELECT md5(w::text) AS h FROM workspaces w WHERE id = :w`, {
    w: workspaceId,
  });
  out.workspaces = ws!.h;
  const people = await t.db.one<{ h: string }>(
    `SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) AS h FROM users u
     WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.workspace_id = :w)`,
    { w: workspaceId },
  );
  out.users = people!.h;
  return out;
}

/**
 * The ids of a workspace's rows, table by table (tables with an `id`; at most `perTable` of each, oldest first),
 * and its people's.
 */
async function idsOf(workspaceId: string, perTable = 3) {
  const byTable: Record<string, string[]> = {};
  const ids = new Set<string>();
  for (const { name, hasId } of await scopedTables()) {
    if (!hasId) continue;
    byTable[name] = (
      await t.db.query<{ id: string }>(
        `SELECT id::text AS id FROM ${name} WHERE workspace_id = :w ORDER BY id::text LIMIT :perTable`,
        { w: workspaceId, perTable },
      )
    ).map((r) => r.id);
    byTable[name].forEach((id) => ids.add(id));
  }
  for (const r of await t.db.query<{ id: string }>(
    `SELECT user_id::text AS id FROM memberships WHERE workspace_id = :w`,
    { w: workspaceId },
  ))
    ids.add(r.id);
  ids.add(workspaceId);
  return { all: [...ids], byTable };
}

/** The id of A's own record a route's parameter names, by the route's shape (as the design test does). */
function ownParam(byTable: Record<string, string[]>, route: string, name: string, ownerId: string) {
  const first = (table: string) => byTable[table]?.[0] ?? '00000000-0000-4000-8000-000000000000';
  if (name === 'question') return 'reason';
  if (name === 'deliveryId') return first('webhook_deliveries');
  const by: [string, string][] = [
    ['/settings/webhooks/', 'webhook_endpoints'],
    ['/settings/api-keys/', 'api_keys'],
    ['/contacts/imports/', 'contact_imports'],
    ['/contacts/segments/', 'segments'],
    ['/contacts/', 'contacts'],
    ['/surveys/', 'surveys'],
    ['/schedules/', 'schedules'],
    ['/waves/', 'waves'],
    ['/inbox/', 'responses'],
    ['/mailbox/', 'mailbox_messages'],
    ['/team/invitations/', 'team_invitations'],
  ];
  if (route.startsWith('/team/')) return route.startsWith('/team/invitations/') ? first('team_invitations') : ownerId;
  const table = by.find(([prefix]) => route.startsWith(prefix))?.[1];
  return table ? first(table) : first('surveys');
}

beforeAll(async () => {
  t = await createTestApp({ mailbox: true, webhooksAllowPrivate: true });
  ownerA = await signedInAgent(t.app);
  workspaceA = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  await fill(ownerA, 'Alpha');

  const ownerB = await accountsService(t.db).addWorkspace({
    workspaceName: 'Bravo Works',
    senderName: 'Bravo team',
    postalAddress: '2 Bravo Road',
    name: 'Bravo Owner',
    email: 'owner@bravo.test',
    password: 'bravo password 1',
  });
  workspaceB = ownerB.workspaceId;
  const agentB = request.agent(t.app);
  const login = await agentB.get('/login').expect(200);
  await agentB
    .post('/login')
    .type('form')
    .send({ email: 'owner@bravo.test', password: 'bravo password 1', _csrf: csrfFrom(login.text) })
    .expect(303);
  await fill(agentB, 'Bravo');
  await seedSurvey(t.db, workspaceB, { questions: NPS_SURVEY, title: 'Bravo extra survey' });
}, 300_000);
afterAll(() => t?.close());

it('B has data in every workspace table (but those listed, with why)', async () => {
  const empty: string[] = [];
  for (const { name } of await scopedTables()) {
    const n = (await t.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} WHERE workspace_id = :w`, {
      w: workspaceB,
    }))!.n;
    if (!n && !(name in NOT_SEEDED)) empty.push(name);
  }
  expect(empty).toEqual([]);
});

it('signed in to A, no route answers anything of B for any id of B in the path, the query or a form field, and B is unchanged', async () => {
  const before = await snapshotOf(workspaceB);
  // One id of each of B's tables (the crawl's time grows with each), none that is also an id of A's: a serial id
  // of one of B's tables can be the id of another table's row of A, which A may open.
  const aIds = (await idsOf(workspaceA, 10_000)).byTable;
  const aAll = new Set(Object.values(aIds).flat());
  const bIds = (await idsOf(workspaceB, 1)).all.filter((id) => !aAll.has(id));
  const ownerId = (await t.db.one<{ id: string }>(`SELECT id FROM users WHERE email = :e`, { e: OWNER.email }))!.id;
  expect(bIds.length).toBeGreaterThan(15);

  const signedIn = new Set(POLICY.map(([m, p]) => `${m} ${p}`));
  const routes = routeTable(t.app).filter(
    (r) => signedIn.has(`${r.method} ${r.path}`) && !SKIPPED.has(`${r.method} ${r.path}`),
  );
  const csrf = csrfFrom((await ownerA.get('/account').expect(200)).text);
  const problems: string[] = [];
  let requests = 0;

  /** What a person of A is shown: never a word of B. */
  const check = async (label: string, res: request.Response, pathVariant: boolean) => {
    requests++;
    if (res.status >= 500) problems.push(`${label}: ${res.status}`);
    if (/bravo/i.test(res.text ?? '')) problems.push(`${label}: ${res.status} shows B's data`);
    if (pathVariant && res.status >= 200 && res.status < 300) problems.push(`${label}: ${res.status} (not refused)`);
    if (res.status >= 300 && res.status < 400 && res.headers.location?.startsWith('/')) {
      const next = await ownerA.get(res.headers.location);
      if (/bravo/i.test(next.text ?? '')) problems.push(`${label} → ${res.headers.location}: shows B's data`);
    }
  };
  const send = (method: string, url: string, body: Record<string, string | string[]> = {}) =>
    method === 'GET'
      ? ownerA.get(url)
      : ownerA
          .post(url)
          .type('form')
          .send(
            new URLSearchParams(
              Object.entries({ _csrf: csrf, ...body }).flatMap(([k, v]) =>
                Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]],
              ),
            ).toString(),
          );

  for (const route of routes) {
    const params = route.path.match(/:\w+/g) ?? [];
    const own = (q: string) => ownParam(aIds, route.path, q.slice(1), ownerId);
    // The path: every id of B in every parameter (the others left at an id of A's, so only B's is foreign).
    for (const id of bIds) {
      for (const p of params) {
        const url = params.reduce((u, q) => u.replace(q, q === p ? id : own(q)), route.path);
        await check(`${route.method} ${url}`, await send(route.method, url), true);
      }
    }
    // The query and the form fields: B's ids under every id-bearing name, on the route as A would use it. Each
    // request gives each name a different id of B, rotated, so every id is sent under several names (every pair
    // would take one request per id per route: minutes).
    const url = params.reduce((u, q) => u.replace(q, own(q)), route.path);
    for (let j = 0; j < ROTATIONS; j++) {
      const fields = Object.fromEntries(ID_NAMES.map((n, k) => [n, bIds[(j * ID_NAMES.length + k) % bIds.length]!]));
      const res =
        route.method === 'GET'
          ? await send('GET', `${url}?${new URLSearchParams(fields)}`)
          : await send('POST', url, fields);
      await check(`${route.method} ${url} with ${JSON.stringify(fields)}`, res, false);
    }
  }

  expect(problems).toEqual([]);
  expect(requests).toBeGreaterThan(1000);
  expect(await snapshotOf(workspaceB)).toEqual(before);
  // Nothing of A now points at B: no uuid of B in any row of A (the audit log excepted: it records what was
  // asked, foreign ids in a refused request's filters included).
  const pointing: string[] = [];
  for (const { name } of await scopedTables()) {
    if (name === 'audit_events') continue;
    const text = (
      await t.db.query<{ x: string }>(`SELECT x::text AS x FROM ${name} x WHERE workspace_id = :w`, { w: workspaceA })
    )
      .map((r) => r.x)
      .join('\n');
    for (const id of bIds) if (id.includes('-') && text.includes(id)) pointing.push(`${name} → ${id}`);
  }
  expect(pointing).toEqual([]);
  console.log(`isolation crawl: ${requests} requests, ${bIds.length} ids of B`);
}, 900_000);
