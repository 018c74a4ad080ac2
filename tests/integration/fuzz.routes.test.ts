import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { hashToken, newToken } from '../../src/platform/tokens';
import {
  createSurvey,
  createTestApp,
  csrfFrom,
  OWNER,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';
import { routeTable, type Route } from '../helpers/routes';

/**
 * "Make the classes impossible": every route of the app's own route table (Express's router stack of
 * buildApp, so a new route is fuzzed without anyone listing it), every method it answers, signed in and signed
 * out, with hostile requests from fast-check generators — malformed multipart, urlencoded and JSON, control
 * characters, 100 kB fields, negative / huge / non-numeric ids, wrong content types. Each must get a 2xx–4xx
 * (never a 5xx, never no answer), a refused request must leave every table as it was, and the process must
 * stay up. Fixed seed; FUZZ_RUNS (requests per route, method and session) and FUZZ_SEED to run it longer,
 * FUZZ_ROUTE to replay one route.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
/** Only the routes whose "METHOD /path" contains this (to replay a failure). */
const ONLY = process.env.FUZZ_ROUTE;

// ---- Generators -------------------------------------------------------------------------------------------

const CONTROLS = ['\u0000', '\u0001', '\u0007', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u009f', '\ud800'];
const controlText = fc
  .array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROLS)), { maxLength: 12 })
  .map((parts) => parts.join(''));
// 100 kB of text: over the form limit once encoded, or (as 'x') just under it.
const bigText = fc
  .constantFrom('x', 'é', '=', '<', '%', '\u0000', 'a\n')
  .map((c) => c.repeat(Math.floor(99_000 / c.length)));
const badNumber = fc.constantFrom('-1', '0', '1.5', '1e400', 'NaN', '9'.repeat(25), '-9223372036854775809', 'abc', '');
const value = fc.oneof(
  { weight: 4, arbitrary: controlText },
  { weight: 1, arbitrary: bigText },
  { weight: 2, arbitrary: badNumber },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.emailAddress() },
);
// Names our forms read (so a request gets past the first check), and any others.
const KNOWN = [
  '_csrf',
  'email',
  'name',
  'password',
  'lines',
  'title',
  'intro',
  'note',
  'body',
  'prop',
  'tag',
  'status',
  'template',
  'topic',
  'cron',
  'timeZone',
  'nps',
  'reason',
  'help',
  '_click',
  '_partial',
  '_auto',
  '_shown',
  'action',
  'col.0',
  'key.0',
  'addTags',
  'ownerUserId',
  'properties',
  'tags',
  'locale',
  'role',
  'throttleDays',
  'questions.0.type',
  'questions.0.text',
  'questions.0.id',
  'segmentId',
  'score',
  'next',
  'close',
  'after',
];
const fieldName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 1, arbitrary: controlText },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor[prototype][x]', 'a[b][c][d]', 'x'.repeat(5000)) },
);
const fields = fc.array(fc.tuple(fieldName, value), { maxLength: 8 });

type Body = { cls: string; type?: string; body?: Buffer | string; query?: string };

const urlencoded = fields.map((f): Body => ({
  cls: 'urlencoded',
  type: 'application/x-www-form-urlencoded',
  body: new URLSearchParams(f).toString(),
}));
const urlencodedMalformed = fc
  .tuple(
    fc.constantFrom('%zz', '%E0%A4%A', '&&==&', 'a=%', '=x', '%00=%00', 'a[=1', ';;;', '%ff%fe=1', 'a=1&'.repeat(2000)),
    fc.string({ maxLength: 40 }),
  )
  .map(([bad, rest]): Body => ({
    cls: 'urlencoded-malformed',
    type: 'application/x-www-form-urlencoded',
    body: bad + rest,
  }));
const json = fc
  .oneof(
    fields.map((f) => JSON.stringify(Object.fromEntries(f))),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.constant('['.repeat(3000) + ']'.repeat(3000)),
  )
  .map((body): Body => ({ cls: 'json', type: 'application/json', body }));
const jsonMalformed = fc
  .tuple(
    fc.constantFrom(
      '{"a":',
      '{a:1}',
      "{'a':1}",
      'NaN',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      '\u0000',
      '{"__proto__":{"x":1}}',
    ),
    fc.string({ maxLength: 20 }),
  )
  .map(([bad, rest]): Body => ({ cls: 'json-malformed', type: 'application/json', body: bad + rest }));
const multipart = fc
  .tuple(fields, fc.string({ maxLength: 200 }), fc.nat({ max: 100 }), fc.boolean())
  .map(([f, file, cutPercent, truncate]): Body => {
    const parts = f.map(([n, v]) => `--B\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('');
    const full = `${parts}--B\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nemail\n${file}\r\n--B--\r\n`;
    const body = truncate ? full.slice(0, Math.floor((full.length * cutPercent) / 100)) : full;
    return { cls: truncate ? 'multipart-truncated' : 'multipart', type: 'multipart/form-data; boundary=B', body };
  });
const multipartMalformed = fc
  .constantFrom(
    { type: 'multipart/form-data', body: '--B\r\n\r\n' },
    { type: 'multipart/form-data; boundary=', body: 'x' },
    {
      type: 'multipart/form-data; boundary=B',
      body: '--C\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx',
    },
    {
      type: 'multipart/form-data; boundary=B',
      body: '--B\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n',
    },
    { type: 'multipart/form-data; boundary=B', body: '--B--' },
    { type: 'multipart/form-data; boundary=' + 'B'.repeat(100), body: '' },
  )
  .map((b): Body => ({ cls: 'multipart-malformed', ...b }));
const wrongType = fc
  .tuple(
    fc.constantFrom(
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded; charset=utf-16',
      'application/json; charset=latin1',
      'image/png',
      'application/octet-stream',
      '',
    ),
    fc.uint8Array({ maxLength: 300 }),
  )
  .map(([type, bytes]): Body => ({ cls: 'wrong-content-type', type: type || undefined, body: Buffer.from(bytes) }));
const query = fc
  .array(fc.tuple(fieldName, value), { minLength: 1, maxLength: 4 })
  .map((q): Body => ({ cls: 'query', query: new URLSearchParams(q).toString() }));
const rawQuery = fc
  .constantFrom(
    '%zz=1',
    'a=%E0%A4%A',
    'score=%00',
    'prop=%00:%00',
    'after=-1',
    'page=99999999999999999999',
    'next=//evil',
  )
  .map((q): Body => ({ cls: 'query-malformed', query: q }));

/**
 * The app's own form for this action (read from its pages), with a hostile value put into one field: control
 * characters, 100 kB of text, or a number that is not one. The rest of the form is
 * valid, so the request gets as far as the database — where NUL bytes and bigints used to end in a 500.
 */
const formMutation = (form: [string, string][]) =>
  fc
    .tuple(
      fc.constantFrom('controls', 'big', 'number'),
      fc.nat({ max: Math.max(0, form.length - 1) }),
      // Always a NUL (PostgreSQL cannot store it), with others around it.
      fc.array(fc.constantFrom(...CONTROLS), { maxLength: 3 }).map((c) => `\u0000${c.join('')}`),
      badNumber,
    )
    .map(([how, at, controls, number]): Body => {
      const mutated = form.map(([n, v], i): [string, string] => {
        if (n === '_csrf') return [n, v];
        // One field at a time: the rest stays valid, so the hostile value is what the route has to handle.
        if (i !== at) return [n, v];
        if (how === 'controls') return [n, `${v.slice(0, 2)}${controls}${v.slice(2)}`];
        return [n, how === 'big' ? v + 'x'.repeat(99_000) : number];
      });
      return {
        cls: `form-${how}`,
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(mutated).toString(),
      };
    });

const bodyFor = (method: string) =>
  method === 'GET'
    ? fc.oneof(query, rawQuery, fc.constant<Body>({ cls: 'plain' }))
    : fc.oneof(
        { weight: 1, arbitrary: urlencoded },
        { weight: 1, arbitrary: urlencodedMalformed },
        { weight: 1, arbitrary: json },
        { weight: 1, arbitrary: jsonMalformed },
        { weight: 1, arbitrary: multipart },
        { weight: 1, arbitrary: multipartMalformed },
        { weight: 1, arbitrary: wrongType },
        { weight: 1, arbitrary: query },
      );

const unescape = (v: string) =>
  v.replace(
    /&(amp|lt|gt|quot|#39|#34);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#34': '"' })[e]!,
  );

/** A value an empty field would plausibly get from a person, so the rest of the form passes. */
const plausible = (name: string, type: string) =>
  ({ email: 'fuzz@example.com', lines: 'Fuzz, fuzz@example.com', properties: 'plan: pro', cron: '0 9 * * 1' })[name] ??
  (type === 'email' ? 'fuzz@example.com' : type === 'number' ? '1' : 'Fuzz');

/** Every form on a page: its action and its fields as a browser would send them (first option of a select). */
function formsOf(html: string): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  for (const m of html.matchAll(/<form\b[^>]*\baction="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const fields: [string, string][] = [];
    const inner = m[2]!;
    for (const i of inner.matchAll(/<input\b([^>]*)>/g)) {
      const name = /\bname="([^"]*)"/.exec(i[1]!)?.[1];
      const type = /\btype="([^"]*)"/.exec(i[1]!)?.[1] ?? 'text';
      // The token goes in a header, always the current one.
      if (
        !name ||
        name === '_csrf' ||
        type === 'file' ||
        ((type === 'radio' || type === 'checkbox') && !/\bchecked\b/.test(i[1]!))
      )
        continue;
      fields.push([unescape(name), unescape(/\bvalue="([^"]*)"/.exec(i[1]!)?.[1] ?? '') || plausible(name, type)]);
    }
    for (const a of inner.matchAll(/<textarea\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g))
      fields.push([unescape(a[1]!), unescape(a[2]!) || plausible(a[1]!, 'textarea')]);
    for (const sel of inner.matchAll(/<select\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
      const chosen = /<option value="([^"]*)" selected/.exec(sel[2]!) ?? /<option value="([^"]*)"/.exec(sel[2]!);
      fields.push([unescape(sel[1]!), unescape(chosen?.[1] ?? '')]);
    }
    out.set(unescape(m[1]!).split('?')[0]!, fields);
  }
  return out;
}

/** A value for a path parameter: one of ours (so the handler runs deep), or anything that cannot be. */
const paramValue = (valid: string | undefined) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(valid ?? '00000000-0000-4000-8000-000000000000') },
    { weight: 1, arbitrary: fc.uuid() },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '-1',
          '0',
          '1.5',
          '9'.repeat(30),
          'abc',
          '%00',
          '%E0%A4%A',
          '..%2F..%2Fetc',
          'é',
          '%20',
          'x'.repeat(3000),
        )
        .map((v) => ({ raw: v })),
    },
  );

// ---- The run -------------------------------------------------------------------------------------------

let t: TestApp;
let server: http.Server;
let base: string;
// A connection per request: a server that closes a connection after a refusal must not fail the next request.
const agent = new http.Agent({ keepAlive: false });
const session = { cookie: '', csrf: '' };
const ids: Record<string, string> = {};
const forms = new Map<string, [string, string][]>();
const classes = new Map<string, number>();
const statuses = new Map<number, number>();
let requests = 0;

/** Every table a request could write, counted in one statement. */
const TABLES = [
  'workspaces',
  'users',
  'session',
  'surveys',
  'survey_versions',
  'contacts',
  'segments',
  'suppressions',
  'contact_imports',
  'contact_import_chunks',
  'contact_import_refusals',
  'waves',
  'deliveries',
  'reminders',
  'schedules',
  'responses',
  'response_clicks',
  'scanned_deliveries',
  'conversations',
  'followup_notes',
  'replies',
  'alerts',
  'digests',
  'survey_public_links',
  'mailbox_messages',
];
const counts = async () =>
  (await t.db.one<Record<string, number>>(
    `SELECT ${TABLES.map((n) => `(SELECT count(*) FROM ${n}) AS "${n}"`).join(', ')}`,
  ))!;

async function signIn() {
  // The fuzz's own failed sign-ins may have spent this address's budget: the throttle is tested elsewhere.
  await t.db.query(`DELETE FROM rate_limit_hits RETURNING key`);
  const login = await fetchRaw('GET', '/login', {});
  const cookie = cookiesOf(login.headers);
  const res = await fetchRaw('POST', '/login', {
    cookie,
    type: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({ email: OWNER.email, password: OWNER.password, _csrf: csrfFrom(login.text) }).toString(),
  });
  session.cookie = mergeCookies(cookie, cookiesOf(res.headers));
  const page = await fetchRaw('GET', '/surveys', { cookie: session.cookie });
  session.cookie = mergeCookies(session.cookie, cookiesOf(page.headers));
  session.csrf = csrfFrom(page.text);
}

const cookiesOf = (h: http.IncomingHttpHeaders) => (h['set-cookie'] ?? []).map((c) => c.split(';')[0]!).join('; ');
const mergeCookies = (a: string, b: string) => {
  const jar = new Map<string, string>();
  for (const c of `${a}; ${b}`.split('; ').filter(Boolean)) jar.set(c.split('=')[0]!, c);
  return [...jar.values()].join('; ');
};

function fetchRaw(
  method: string,
  path: string,
  o: { cookie?: string; type?: string; body?: Buffer | string; csrf?: string },
) {
  return new Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (o.cookie) headers.Cookie = o.cookie;
    if (o.type) headers['Content-Type'] = o.type;
    if (o.csrf) headers['X-CSRF-Token'] = o.csrf;
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${path.slice(0, 100)}`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

beforeAll(() =>
  seed().catch((err) => {
    throw new Error(`seeding failed: ${err.message} ${err.parent?.message ?? ''} ${err.sql ?? ''}`);
  }),
);

async function seed() {
  t = await createTestApp({ mailbox: true, respondRateLimit: 1_000_000, publicSubmitLimit: 1_000_000 });
  const owner = await signedInAgent(t.app);
  const workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  // One of each thing a route can name, so valid ids reach the handlers' deeper checks.
  ids.survey = await createSurvey(owner);
  await submitForm(owner, '/contacts', '/contacts/paste', { lines: 'Ada, ada@example.com' });
  ids.contact = (await t.db.one<{ id: string }>(`SELECT id FROM contacts`))!.id;
  ids.segment = (await t.db.one<{ id: string }>(
    `INSERT INTO segments (workspace_id, name, filter) VALUES (:w, 'VIPs', '{"tags":["vip"]}') RETURNING id`,
    { w: workspaceId },
  ))!.id;
  const publicSurvey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, publicLinkEnabled: true });
  const delivery = await seedDelivery(t.db, t.sealer, workspaceId, publicSurvey);
  ids.token = delivery.token;
  ids.wave = (await t.db.one<{ id: string }>(`SELECT wave_id AS id FROM deliveries`))!.id;
  const publicToken = newToken();
  await t.db.query(
    `INSERT INTO survey_public_links (survey_id, workspace_id, token_hash, token_sealed) VALUES (:s, :w, :h, :sealed) RETURNING survey_id`,
    { s: publicSurvey, w: workspaceId, h: hashToken(publicToken), sealed: t.sealer.seal(publicToken) },
  );
  ids.publicToken = publicToken;
  ids.response = (await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, answers, completed_at)
     VALUES (:w, :s, 1, :d, :c, 3, '{"nps":3}', now()) RETURNING id`,
    { w: workspaceId, s: publicSurvey, d: delivery.deliveryId, c: delivery.contactId },
  ))!.id;
  ids.schedule = (await t.db.one<{ id: string }>(
    `INSERT INTO schedules (workspace_id, survey_id, cron, time_zone, audience, checked_until, next_slot_at)
     VALUES (:w, :s, '0 9 * * 1', 'UTC', '{}', now(), now() + interval '1 day') RETURNING id`,
    { w: workspaceId, s: ids.survey },
  ))!.id;
  ids.import = (await t.db.one<{ id: string }>(
    `INSERT INTO contact_imports (workspace_id, created_by, filename, status, delimiter, headers)
     SELECT :w, id, 'a.csv', 'uploaded', ',', '["email"]' FROM users LIMIT 1 RETURNING id`,
    { w: workspaceId },
  ))!.id;
  await t.db.query(
    `INSERT INTO contact_import_chunks (import_id, seq, data) VALUES (:i, 0, convert_to(:text, 'UTF8')) RETURNING seq`,
    {
      i: ids.import,
      text: 'email\na@b.co\n',
    },
  );
  ids.mail = (await t.db.one<{ id: string }>(
    `INSERT INTO mailbox_messages (workspace_id, message_id, subject) VALUES (:w, '<m>', 'Hello') RETURNING id::text`,
    { w: workspaceId },
  ))!.id;
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await signIn();
  // The app's own forms, read from every page it shows (signed in, with our ids), as the baseline to mutate.
  for (const route of routeTable(t.app).filter((r) => r.method === 'GET')) {
    const path = route.path.replace(/:(\w+)/g, () => validParam(route.path) ?? '');
    const page = await fetchRaw('GET', path, { cookie: session.cookie });
    for (const [action, fields] of formsOf(page.text)) if (!forms.has(action)) forms.set(action, fields);
  }
}

afterAll(async () => {
  agent.destroy();
  if (server) await new Promise((resolve) => server.close(resolve));
  await t?.close();
  console.log(
    `fuzz: ${routes().length} routes × methods, ${forms.size} forms read from the pages, ${requests} requests, seed ${SEED}, ${RUNS} runs each, signed in and out\n` +
      `  classes: ${[...classes].map(([c, n]) => `${c} ${n}`).join(', ')}\n` +
      `  statuses: ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(', ')}`,
  );
});

/** The id a route's parameter names, by the route's shape. */
function validParam(path: string): string | undefined {
  if (path.startsWith('/r/p/')) return ids.publicToken;
  if (path.startsWith('/r/')) return ids.token;
  if (path.startsWith('/contacts/imports/')) return ids.import;
  if (path.startsWith('/contacts/segments/')) return ids.segment;
  if (path.startsWith('/contacts/')) return ids.contact;
  if (path.startsWith('/surveys/')) return ids.survey;
  if (path.startsWith('/schedules/')) return ids.schedule;
  if (path.startsWith('/waves/')) return ids.wave;
  if (path.startsWith('/inbox/')) return ids.response;
  if (path.startsWith('/mailbox/')) return ids.mail;
  return undefined;
}

let table: Route[] | undefined;
const routes = () => (table ??= routeTable(t.app));

describe.each([
  ['signed in', true],
  ['signed out', false],
])('every route, %s, answers hostile requests with a 4xx and writes nothing when it refuses', (_what, signedIn) => {
  it('holds for every route and method', async () => {
    expect(routes().length).toBeGreaterThan(50);
    for (const [i, route] of routes().entries()) {
      if (ONLY && !`${route.method} ${route.path}`.includes(ONLY)) continue;
      const action = route.path.replace(/:(\w+)/g, () => validParam(route.path) ?? '');
      const valid = validParam(route.path);
      const form = route.method === 'POST' ? forms.get(action) : undefined;
      const hostile = fc.record({ param: paramValue(valid), body: bodyFor(route.method) });
      // Half of a form route's requests are its own form with one hostile field, on an id of ours.
      const arb = form
        ? fc.oneof(hostile, fc.record({ param: fc.constant(valid ?? ''), body: formMutation(form) }))
        : hostile;
      await fc.assert(
        fc.asyncProperty(arb, async ({ param, body }) => {
          const p = typeof param === 'string' ? encodeURIComponent(param) : param.raw;
          let path = route.path.replace(/:(\w+)/g, () => p);
          // The CSRF token goes in the X-CSRF-Token header (fetchRaw), whatever the body's type.
          if (body.query) path += `?${body.query}`;
          // Team pages' GETs read only; the respondent's GETs record clicks: check what can write.
          const writes = route.method !== 'GET' || route.path.startsWith('/r/');
          const before = writes ? await counts() : undefined;
          const res = await fetchRaw(route.method, path, {
            cookie: signedIn ? session.cookie : undefined,
            csrf: signedIn ? session.csrf : undefined,
            type: body.type,
            body: body.body,
          });
          requests++;
          classes.set(body.cls, (classes.get(body.cls) ?? 0) + 1);
          const sent = `${String(body.body ?? '')}${body.query ?? ''}${typeof param === 'string' ? param : param.raw}`;
          // eslint-disable-next-line no-control-regex
          if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|%00/.test(sent))
            classes.set('control-chars', (classes.get('control-chars') ?? 0) + 1);
          if (sent.length >= 90_000) classes.set('field-100kB', (classes.get('field-100kB') ?? 0) + 1);
          if (route.path.includes(':')) {
            const kind =
              typeof param === 'string'
                ? param === validParam(route.path)
                  ? 'id-ours'
                  : 'id-unknown'
                : 'id-malformed';
            classes.set(kind, (classes.get(kind) ?? 0) + 1);
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500)
            throw new Error(
              `${route.method} ${path.slice(0, 200)} (${body.cls}) → ${res.status}: ${res.text.slice(0, 300)}`,
            );
          if (res.status >= 400 && before) {
            const after = await counts();
            // A refusal is whole: the sign-in throttle's counters live elsewhere (rate_limit_hits).
            const what = { route: `${route.method} ${route.path}`, status: res.status, cls: body.cls };
            expect({ ...what, rows: after }).toEqual({ ...what, rows: before });
          }
          // Signing out (or a fuzzed setting) must not end the signed-in pass: sign in again when it did.
          if (signedIn && (route.path === '/logout' || res.status === 401 || res.status === 403)) await signIn();
        }),
        // A seed per route: each route gets its own mix of classes, and the run is the same every time.
        { seed: SEED + i, numRuns: RUNS, endOnFailure: true },
      );
    }
    // Still up, still serving, nothing left half-done.
    expect((await fetchRaw('GET', '/healthz', {})).status).toBe(200);
    const stuck = await t.db.one<{ uploading: number; orphans: number }>(
      `SELECT (SELECT count(*) FROM contact_imports WHERE headers = '[]') AS uploading,
         (SELECT count(*) FROM contact_import_chunks k JOIN contact_imports i ON i.id = k.import_id
          WHERE i.status NOT IN ('uploaded', 'running')) AS orphans`,
    );
    expect(stuck).toEqual({ uploading: 0, orphans: 0 });
  }, 300_000);
});
