import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { can, GRANTS, POLICY, policyFor, ROLES, type Permission, type Role } from '../../src/modules/accounts/policy';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';
import { createTestApp, csrfFrom, OWNER, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { inviteTeammate } from '../helpers/team';

type Agent = ReturnType<typeof request.agent>;

/** Routes anyone may reach signed out (before requireUser in app.ts): the policy table does not list them. */
const PUBLIC =
  /^(\/healthz|\/readyz|\/r\/.*|\/|\/setup|\/login|\/login\/code|\/logout|\/forgot|\/reset\/:token|\/invitations\/:token|\/signup|\/digest\/unsubscribe\/:token|\/brand\/logo\/:sha256|\/api\/v1\/.*|\/v1\/.*)$/;

/** Every (method, path) the app routes, read from Express 5's router stack (as the route fuzz does). */
function routeTable(app: Express) {
  const out: { method: string; path: string }[] = [];
  const walk = (
    stack: { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown } }[],
  ) => {
    for (const layer of stack) {
      if (layer.route)
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path });
      else if (Array.isArray(layer.handle?.stack)) walk(layer.handle.stack as never);
    }
  };
  walk((app as unknown as { router: { stack: never } }).router.stack);
  return out;
}

/** A concrete URL for a route pattern, ids that exist nowhere: an allowed request is a 404 or 4xx, not a change. */
const concrete = (pattern: string) => pattern.replace(/:\w+/g, () => crypto.randomUUID());

/**
 * The matrix in the words, written here apart from the policy table so a wrong line in it is caught:
 * a viewer only reads (no change, send, export, nor the forms that lead to one); a member does everything but
 * manage the team and the workspace or oversee them; owners and admins do everything.
 */
const SELF = new Set([
  'POST /team/alerts',
  'POST /team/digest',
  'POST /team/round-robin',
  'GET /account',
  'POST /account/password',
  'POST /account/sessions/others/end',
  'POST /account/sessions/:key/end',
  'GET /account/two-factor',
  'POST /account/two-factor',
  'POST /account/two-factor/recovery-codes',
  'POST /account/two-factor/disable',
  'GET /workspaces/new',
  'POST /workspaces',
  'POST /workspaces/switch',
]);
const MANAGING =
  /^(POST \/team|GET \/team\/:id\/remove|GET \/settings\/webhooks\/:id\/delete|GET \/settings\/api-keys\/:id\/revoke|POST \/settings|(GET|POST) \/mailbox|GET \/settings\/audit|GET \/inbox\/unmatched)/;
const WRITE_FORMS = new Set([
  'GET /surveys/new',
  'GET /surveys/:id/edit',
  'GET /surveys/:id/schedules/new',
  'GET /surveys/:id/send',
  'GET /schedules/:id/activate',
  'GET /schedules/:id/delete',
  'GET /surveys/:id/delete',
  'GET /contacts/segments/:id/delete',
  'GET /contacts/:id/delete',
  'GET /contacts/imports',
  'GET /contacts/imports/:id',
  'GET /contacts/imports/:id/refusals.csv',
  'GET /updates/new',
  'GET /updates/:id',
]);
const EXPORT = /^GET .*\.(csv|jsonl|json)$/;
function expectedRefused(role: Role, route: string) {
  if (SELF.has(route)) return false;
  if (role === 'owner' || role === 'admin') return false;
  if (MANAGING.test(route)) return true;
  if (role === 'member') return false;
  return route.startsWith('POST ') || WRITE_FORMS.has(route) || EXPORT.test(route);
}

let t: TestApp;
let owner: Agent;
const agents = {} as Record<Role, Agent>;
const ids = {} as Record<Role, string>;

const idOf = async (email: string) =>
  (await t.db.one<{ id: string }>(`SELECT id FROM users WHERE email = :email`, { email }))!.id;

beforeAll(async () => {
  t = await createTestApp({ mailbox: true });
  owner = await signedInAgent(t.app);
  agents.owner = owner;
  ids.owner = await idOf(OWNER.email);
  for (const role of ['admin', 'member', 'viewer'] as const) {
    const email = `${role}@acme.test`;
    agents[role] = await inviteTeammate(t, owner, { name: `The ${role}`, email, role, password: 'temporary pass 1' });
    ids[role] = await idOf(email);
  }
});
afterAll(() => t?.close());

describe('the role policy', () => {
  it('has exactly one line for every signed-in route of the route table, and no line for a route that is gone', () => {
    const routes = routeTable(t.app).filter((r) => !PUBLIC.test(r.path));
    const missing = routes.filter((r) => policyFor(r.method, concrete(r.path))?.path !== r.path);
    expect(missing).toEqual([]);
    const stale = POLICY.filter(([m, p]) => !routes.some((r) => r.method === m && r.path === p));
    expect(stale).toEqual([]);
  });

  it('the README shows the matrix as GRANTS has it', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    for (const permission of new Set(Object.values(GRANTS).flat()) as Set<Permission>) {
      const row = new RegExp(`^\\| \`${permission}\` [^\\n]*`, 'm').exec(readme)?.[0];
      expect(row).toBeDefined();
      const cells = row!
        .split('|')
        .slice(3, 7)
        .map((c) => c.trim());
      expect(cells).toEqual(ROLES.map((r) => (can(r, permission) ? 'yes' : 'no')));
    }
  });

  it('walks the matrix: every role on every signed-in route is refused (403) exactly when its role lacks the permission', async () => {
    const routes = routeTable(t.app).filter(
      (r) => !PUBLIC.test(r.path) && !(r.method === 'POST' && r.path === '/team/:id/remove'),
    );
    const wrong: string[] = [];
    for (const role of ROLES) {
      const agent = agents[role];
      const csrf = csrfFrom((await agent.get('/team').expect(200)).text);
      for (const route of routes) {
        const line = `${route.method} ${route.path}`;
        const url = concrete(route.path);
        const res =
          route.method === 'GET' ? await agent.get(url) : await agent.post(url).type('form').send({ _csrf: csrf });
        if ((res.status === 403) !== expectedRefused(role, line)) wrong.push(`${role} ${line}: ${res.status}`);
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('roles and removals', () => {
  it('a viewer reads but cannot change, send or export', async () => {
    const viewer = agents.viewer;
    await viewer.get('/surveys').expect(200);
    await viewer.get('/contacts').expect(200);
    await viewer.get('/inbox').expect(200);
    const csrf = csrfFrom((await viewer.get('/contacts').expect(200)).text);
    const refused = await viewer.post('/contacts').type('form').send({ _csrf: csrf, email: 'x@y.test' }).expect(403);
    expect(refused.text).toContain('Viewers can look but not change or send anything.');
    expect(await t.db.query(`SELECT 1 FROM contacts WHERE email = 'x@y.test'`)).toHaveLength(0);
  });

  it('an admin cannot make an owner or touch one; the last owner cannot be demoted; a new role rotates the session', async () => {
    const admin = agents.admin;
    const refused = await submitForm(admin, '/team', `/team/${ids.member}/role`, { role: 'owner' }, 403);
    expect(refused.text).toContain('Only an owner can make, change or remove an owner.');
    await submitForm(admin, '/team', `/team/${ids.owner}/role`, { role: 'member' }, 403);

    const last = await submitForm(owner, '/team', `/team/${ids.owner}/role`, { role: 'admin' }, 409);
    expect(last.text).toContain('is the last owner. Make someone else an owner first.');
    expect(
      (await t.db.one<{ role: string }>(`SELECT role FROM memberships WHERE user_id = :id`, { id: ids.owner }))!.role,
    ).toBe('owner');

    // The member becomes a viewer: their very next request runs with the new role, under a new session id.
    const member = agents.member;
    const before = await t.db.query<{ sid: string }>(`SELECT sid FROM session WHERE sess->>'userId' = :id`, {
      id: ids.member,
    });
    await submitForm(owner, '/team', `/team/${ids.member}/role`, { role: 'viewer' });
    const csrf = csrfFrom((await member.get('/contacts').expect(200)).text);
    await member.post('/contacts').type('form').send({ _csrf: csrf, email: 'y@y.test' }).expect(403);
    const after = await t.db.query<{ sid: string }>(`SELECT sid FROM session WHERE sess->>'userId' = :id`, {
      id: ids.member,
    });
    expect(after).toHaveLength(1);
    expect(before.map((s) => s.sid)).not.toContain(after[0]!.sid);
    await submitForm(owner, '/team', `/team/${ids.member}/role`, { role: 'member' });

    const audit = await t.db.query<{ action: string; actor_name: string; details: { from: string; to: string } }>(
      `SELECT action, actor_name, details FROM audit_events WHERE action = 'member.role_changed' ORDER BY id`,
    );
    expect(audit.map((a) => [a.actor_name, a.details.from, a.details.to])).toEqual([
      [OWNER.name, 'member', 'viewer'],
      [OWNER.name, 'viewer', 'member'],
    ]);
  });

  it('a removed teammate hands their contacts and conversations to the one chosen, and is signed out', async () => {
    const workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
    const surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    await t.db.execute(`UPDATE contacts SET owner_user_id = :member WHERE id = :contactId`, {
      member: ids.member,
      contactId: d.contactId,
    });
    const response = await t.db.one<{ id: string }>(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score)
       VALUES (:workspaceId, :surveyId, 1, :deliveryId, :contactId, 9) RETURNING id`,
      { workspaceId, surveyId, deliveryId: d.deliveryId, contactId: d.contactId },
    );
    await t.db.execute(`UPDATE conversations SET owner_user_id = :member WHERE response_id = :id`, {
      member: ids.member,
      id: response!.id,
    });

    // Nobody to hand over to: refused on the field, nothing changed.
    const remove = `/team/${ids.member}/remove`;
    // It asks first, on a page: the person removing them takes over unless they choose someone else there.
    const asked = (await owner.get(remove).expect(200)).text;
    expect(asked).toContain('Remove The member from the team?');
    expect(asked).toContain(`The contact they own goes to ${OWNER.name}, who signs their survey emails`);
    const chosen = (await owner.get(`${remove}?successorId=${ids.admin}`).expect(200)).text;
    expect(chosen).toContain('The member (member@acme.test) can no longer open');
    expect(chosen).toContain('The contact they own goes to The admin, who signs their survey emails');
    expect(chosen).toMatch(
      /The conversation they own \((open|closed)\) goes to The admin, who answers it from now on\./,
    );
    expect(chosen).toContain('Every reply and note The member wrote stays in its conversation, under their name.');
    expect(chosen).toContain('Their account is deleted: this was their only workspace.');
    expect(chosen).toContain(`<input type="hidden" name="successorId" value="${ids.admin}">`);
    expect(chosen).toMatch(/<option value="[^"]+" selected>The admin<\/option>/);
    // A post without the page's confirmation (an old one-click form) comes back to the page, having done nothing.
    const unconfirmed = await submitForm(owner, '/team', remove, { successorId: ids.admin });
    expect(unconfirmed.headers.location).toBe(remove);
    expect(await t.db.query(`SELECT 1 FROM memberships WHERE user_id = :id`, { id: ids.member })).toHaveLength(1);
    // What cannot be done is said instead of the button.
    const notYours = (await agents.admin.get(`/team/${ids.owner}/remove`).expect(200)).text;
    expect(notYours).toContain('Only an owner can make, change or remove an owner.');
    expect(notYours).not.toContain('name="confirm"');
    const lastOwner = (await owner.get(`/team/${ids.owner}/remove`).expect(200)).text;
    expect(lastOwner).toContain('is the last owner. Make someone else an owner first.');
    expect(lastOwner).not.toContain('name="confirm"');

    const bad = await submitForm(owner, remove, remove, { successorId: ids.member, confirm: 'yes' }, 422);
    expect(bad.text).toContain('Choose a teammate who stays.');
    await submitForm(owner, remove, remove, { successorId: ids.admin, confirm: 'yes' });

    expect(await t.db.query(`SELECT 1 FROM users WHERE id = :id`, { id: ids.member })).toHaveLength(0);
    expect(
      (await t.db.one<{ o: string }>(`SELECT owner_user_id AS o FROM contacts WHERE id = :id`, { id: d.contactId }))!.o,
    ).toBe(ids.admin);
    expect(
      (await t.db.one<{ o: string }>(`SELECT owner_user_id AS o FROM conversations WHERE response_id = :id`, {
        id: response!.id,
      }))!.o,
    ).toBe(ids.admin);
    const gone = await agents.member.get('/surveys');
    expect(gone.status).toBe(303);
    expect(gone.headers.location).toMatch(/^\/login/);

    // The owner removing themselves as the last owner is refused; the record of the removal stays, untouchable.
    await submitForm(owner, '/team', `/team/${ids.owner}/remove`, { successorId: ids.admin, confirm: 'yes' }, 409);
    const [removed] = await t.db.query<{ id: string; subject: string }>(
      `SELECT id, subject FROM audit_events WHERE action = 'member.removed'`,
    );
    expect(removed!.subject).toBe('member@acme.test');
    await expect(
      t.db.execute(`UPDATE audit_events SET subject = 'x' WHERE id = :id`, { id: removed!.id }),
    ).rejects.toThrow(/append-only/);
    await expect(t.db.execute(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });
});
