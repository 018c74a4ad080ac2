import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { retentionSweeper } from '../../src/modules/retention';
import {
  createTestApp,
  createSurvey,
  csrfFrom,
  sendNow,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';
import { inviteTeammate } from '../helpers/team';

type Agent = ReturnType<typeof request.agent>;

let t: TestApp;
let owner: Agent;
let workspaceId: string;
let ownerId: string;

const actions = async () =>
  (
    await t.db.query<{ action: string }>(`SELECT action FROM audit_events WHERE workspace_id = :w ORDER BY id`, {
      w: workspaceId,
    })
  ).map((a) => a.action);

/** Rows of the audit page as shown: [what, about]. */
const rowsOn = (html: string) =>
  [...html.matchAll(/data-testid="audit-row">([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1]!.matchAll(/<td data-label="(\w+)">([\s\S]*?)<\/td>/g)].map((c) => c[2]!.replace(/<small>.*<\/small>/, '')),
  );

beforeAll(async () => {
  t = await createTestApp({ webhooksAllowPrivate: true });
  owner = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  ownerId = (await t.db.one<{ id: string }>(`SELECT id FROM users`))!.id;
});
afterAll(() => t?.close());

describe('what the audit log records', () => {
  it('records API keys, webhooks, exports, erasures, sends and schedule activation, each by who did it', async () => {
    // API key made and revoked.
    const keys = await owner.get('/settings/api-keys').expect(200);
    await owner
      .post('/settings/api-keys')
      .type('form')
      .send({ _csrf: csrfFrom(keys.text), name: 'CRM', scopes: 'read' })
      .expect(201);
    const keyId = (await t.db.one<{ id: string }>(`SELECT id FROM api_keys`))!.id;
    await submitForm(owner, '/settings/api-keys', `/settings/api-keys/${keyId}/revoke`, { confirm: 'yes' });

    // Webhook endpoint added, changed and deleted.
    const hooks = await owner.get('/settings/webhooks').expect(200);
    await owner
      .post('/settings/webhooks')
      .type('form')
      .send(
        new URLSearchParams([
          ['_csrf', csrfFrom(hooks.text)],
          ['url', 'http://127.0.0.1:9/hooks'],
          ['format', 'standard'],
          ['events', 'response.confirmed'],
        ]).toString(),
      )
      .expect(200);
    const hookId = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_endpoints`))!.id;
    await submitForm(owner, `/settings/webhooks/${hookId}`, `/settings/webhooks/${hookId}/disable`, {});
    await submitForm(owner, `/settings/webhooks/${hookId}`, `/settings/webhooks/${hookId}/delete`, { confirm: 'yes' });

    // A survey sent now, exported, a contact exported and erased, a schedule activated.
    await submitForm(owner, '/contacts', '/contacts/paste', {
      lines: 'Ada, ada@example.com\nGrace, grace@example.com',
    });
    const surveyId = await createSurvey(owner);
    await sendNow(owner, surveyId);
    await owner.get(`/surveys/${surveyId}/export.jsonl`);
    const contactId = (await t.db.one<{ id: string }>(`SELECT id FROM contacts WHERE email = 'ada@example.com'`))!.id;
    await owner.get(`/contacts/${contactId}/export.json`).expect(200);
    await submitForm(owner, `/contacts/${contactId}`, `/contacts/${contactId}/erase`, { confirm: 'on' });
    await submitForm(owner, `/surveys/${surveyId}/schedules/new`, `/surveys/${surveyId}/schedules`, {
      preset: 'custom',
      cron: '0 9 * * 1',
      timeZone: 'Europe/Paris',
      cadence: 'everyone',
      intent: 'save',
    });
    const scheduleId = (await t.db.one<{ id: string }>(`SELECT id FROM schedules`))!.id;
    await submitForm(owner, `/schedules/${scheduleId}/activate`, `/schedules/${scheduleId}/activate`, {
      confirm: 'yes',
    });

    const recorded = await actions();
    for (const action of [
      'api_key.created',
      'api_key.revoked',
      'webhook.created',
      'webhook.updated',
      'webhook.deleted',
      'survey.sent',
      'contact.erased',
      'export.contact',
      'schedule.activated',
    ])
      expect(recorded).toContain(action);
    // The erased person's address is not kept by the log that records their erasure.
    const erased = await t.db.one<{ subject: string }>(
      `SELECT subject FROM audit_events WHERE action = 'contact.erased'`,
    );
    expect(erased!.subject).toBe(contactId);
    const actors = await t.db.query<{ actor_user_id: string }>(
      `SELECT DISTINCT actor_user_id FROM audit_events WHERE action <> 'signin'`,
    );
    expect(actors.map((a) => a.actor_user_id)).toEqual([ownerId]);
  });
});

describe('the audit log page', () => {
  it('filters by who, what and days, and says when a filter cannot be read', async () => {
    const member = await inviteTeammate(t, owner, {
      name: 'Mo Member',
      email: 'mo@acme.test',
      role: 'member',
      password: 'member password 1',
    });
    await member.get('/settings/audit').expect(403);

    const all = await owner.get('/settings/audit').expect(200);
    expect(rowsOn(all.text).length).toBeGreaterThan(5);
    expect(all.text).toContain('Revoked an API key');

    const keysOnly = await owner.get('/settings/audit?action=api_key.created').expect(200);
    expect(rowsOn(keysOnly.text).map((r) => r[2])).toEqual(['Created an API key']);

    const moId = (await t.db.one<{ id: string }>(`SELECT id FROM users WHERE email = 'mo@acme.test'`))!.id;
    const mo = await owner.get(`/settings/audit?actor=${moId}`).expect(200);
    expect(rowsOn(mo.text).map((r) => r[1])).toEqual(rowsOn(mo.text).map(() => 'Mo Member'));
    expect(rowsOn(mo.text).length).toBeGreaterThan(0);

    const past = await owner.get('/settings/audit?from=2020-01-01&to=2020-12-31').expect(200);
    expect(rowsOn(past.text)).toEqual([]);
    expect(past.text).toContain('Nothing recorded that matches these filters.');

    const bad = await owner.get('/settings/audit?from=yesterday').expect(422);
    expect(bad.text).toContain('From: enter a date like 2026-03-01.');
    await owner.get('/settings/audit?from=2026-05-01&to=2026-04-01').expect(422);
  });

  it('pages newest first by a cursor: every entry once, none twice, even as new ones arrive', async () => {
    await t.db.execute(
      `INSERT INTO audit_events (workspace_id, actor_user_id, actor_name, action, subject, at)
       SELECT :w, :u, 'Bulk', 'bulk.test', 'n' || i, now() - make_interval(mins => i) FROM generate_series(1, 120) i`,
      { w: workspaceId, u: ownerId },
    );
    const seen: string[] = [];
    let url: string | undefined = '/settings/audit?action=bulk.test';
    let pages = 0;
    while (url) {
      const res: request.Response = await owner.get(url).expect(200);
      seen.push(...rowsOn(res.text).map((r) => r[3]!));
      // An entry recorded meanwhile does not shift the next page.
      await t.db.execute(
        `INSERT INTO audit_events (workspace_id, actor_name, action, subject) VALUES (:w, 'Late', 'bulk.test', 'late')`,
        { w: workspaceId },
      );
      const next: string | undefined = /href="\/settings\/audit(\?[^"]*cursor=[^"]+)" rel="next"/.exec(res.text)?.[1];
      url = next ? `/settings/audit${next.replace(/&amp;/g, '&')}` : undefined;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `n${i + 1}`));
  });

  it('exports the filtered log as CSV, a formula typed into a record neutralised, and records the export', async () => {
    await t.db.execute(
      `INSERT INTO audit_events (workspace_id, actor_name, action, subject) VALUES (:w, '=cmd|calc', 'csv.test', '=HYPERLINK("http://x")')`,
      { w: workspaceId },
    );
    const res = await owner.get('/settings/audit/export.csv?action=csv.test').expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subject).toBe(`'=HYPERLINK("http://x")`);
    expect(rows[0]!.who).toBe(`'=cmd|calc`);
    expect(rows[0]!.action).toBe('csv.test');

    const everything = await owner.get('/settings/audit/export.csv').expect(200);
    const count = (await t.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = :w`,
      {
        w: workspaceId,
      },
    ))!.n;
    // Every entry but the export's own record, which is written as the download starts.
    expect((parse(everything.text, { columns: true }) as unknown[]).length).toBe(count);
    expect((await actions()).filter((a) => a === 'audit.exported')).toHaveLength(2);
  });

  it('keeps entries as long as the workspace says: older ones are deleted by the retention sweep, on two instances at once', async () => {
    const refused = await submitForm(owner, '/settings/audit', '/settings/audit/retention', { days: '5' }, 422);
    expect(refused.text).toContain('Keep the log at least 30 days.');
    await submitForm(owner, '/settings/audit', '/settings/audit/retention', { days: '30' });
    expect((await t.db.one<{ d: number }>(`SELECT audit_retention_days AS d FROM workspaces`))!.d).toBe(30);

    // Another workspace, at the default 365 days, with an entry as old: it stays.
    const other = (await t.db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Other', 'Other', 'Street') RETURNING id`,
    ))!.id;
    await t.db.execute(
      `INSERT INTO audit_events (workspace_id, action, at)
       SELECT w, 'old.test', now() - interval '40 days' FROM unnest(ARRAY[CAST(:a AS uuid), CAST(:b AS uuid)]) w
       CROSS JOIN generate_series(1, 30)`,
      { a: workspaceId, b: other },
    );
    const sweepers = [
      retentionSweeper(t.db, { batchSize: 4, maxBatches: 3 }),
      retentionSweeper(t.db, { batchSize: 4 }),
    ];
    for (let i = 0; i < 10; i++) await Promise.all(sweepers.map((s) => s.tick()));
    const left = await t.db.query<{ workspace_id: string; n: number }>(
      `SELECT workspace_id, count(*)::int AS n FROM audit_events WHERE action = 'old.test' GROUP BY 1`,
    );
    expect(left).toEqual([{ workspace_id: other, n: 30 }]);
    // Recent entries stay, and the log is still append-only outside the sweep.
    expect((await actions()).length).toBeGreaterThan(100);
    await expect(t.db.execute(`DELETE FROM audit_events WHERE workspace_id = :w`, { w: other })).rejects.toThrow(
      /append-only/,
    );
  });
});
