import request from 'supertest';
import { createSurvey, createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

type Agent = ReturnType<typeof request.agent>;

/**
 * An act and its audit entry commit together or not at all: webhook changes, "send now" and schedule activation
 * write their entry in the act's own transaction. To prove it, this file's database is made to fail one statement
 * on demand — a trigger refuses writes to a table (the act fails) or an audit entry of one action (the record
 * fails) — and the other half must not be left behind. An export (a read) is recorded before its first byte.
 */
let t: TestApp;
let owner: Agent;

beforeAll(async () => {
  t = await createTestApp({ webhooksAllowPrivate: true });
  owner = await signedInAgent(t.app);
  await t.db.execute(`
    CREATE TABLE test_refused (what text PRIMARY KEY);
    CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE row jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    BEGIN
      IF EXISTS (SELECT 1 FROM test_refused WHERE what IN (TG_TABLE_NAME, TG_TABLE_NAME || ':' || (row->>'action'))) THEN
        RAISE EXCEPTION 'refused by the test: %', TG_TABLE_NAME;
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$;
    CREATE TRIGGER test_refuse BEFORE INSERT OR UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse();
    CREATE TRIGGER test_refuse BEFORE INSERT OR UPDATE OR DELETE ON webhook_endpoints FOR EACH ROW EXECUTE FUNCTION test_refuse();
    CREATE TRIGGER test_refuse BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION test_refuse();
    CREATE TRIGGER test_refuse BEFORE UPDATE ON schedules FOR EACH ROW EXECUTE FUNCTION test_refuse();
  `);
  await submitForm(owner, '/contacts', '/contacts/paste', { lines: 'Ada, ada@example.com\nGrace, grace@example.com' });
});
afterAll(() => t?.close());

/** While `work` runs, the database refuses `what` (a table, or `audit_events:<action>`). */
async function refusing<T>(what: string, work: () => Promise<T>): Promise<T> {
  await t.db.execute(`INSERT INTO test_refused VALUES (:what)`, { what });
  try {
    return await work();
  } finally {
    await t.db.execute(`DELETE FROM test_refused WHERE what = :what`, { what });
  }
}

const audited = async (action: string) =>
  Number(
    (await t.db.one<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE action = :action`, { action }))!.n,
  );
const count = async (table: 'webhook_endpoints' | 'waves' | 'deliveries') =>
  Number((await t.db.one<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))!.n);

async function addWebhook(status = 200) {
  const page = await owner.get('/settings/webhooks').expect(200);
  return owner
    .post('/settings/webhooks')
    .type('form')
    .send(
      new URLSearchParams([
        ['_csrf', csrfFrom(page.text)],
        ['url', 'http://127.0.0.1:9/hooks'],
        ['format', 'standard'],
        ['events', 'response.confirmed'],
      ]).toString(),
    )
    .expect(status);
}

describe('webhook changes', () => {
  it('when the audit entry cannot be written, the endpoint is not added; when adding fails, nothing is recorded', async () => {
    await refusing('audit_events:webhook.created', () => addWebhook(500));
    expect(await count('webhook_endpoints')).toBe(0);

    await refusing('webhook_endpoints', () => addWebhook(500));
    expect(await audited('webhook.created')).toBe(0);

    await addWebhook();
    expect([await count('webhook_endpoints'), await audited('webhook.created')]).toEqual([1, 1]);
  });

  it('a disable or a deletion whose entry fails leaves the endpoint as it was; one that fails records nothing', async () => {
    const id = (await t.db.one<{ id: string }>(`SELECT id FROM webhook_endpoints`))!.id;
    const page = `/settings/webhooks/${id}`;
    const enabled = async () =>
      (await t.db.one<{ enabled: boolean }>(`SELECT enabled FROM webhook_endpoints WHERE id = :id`, { id }))?.enabled;

    await refusing('audit_events:webhook.updated', () => submitForm(owner, page, `${page}/disable`, {}, 500));
    expect(await enabled()).toBe(true);
    await refusing('webhook_endpoints', () => submitForm(owner, page, `${page}/disable`, {}, 500));
    expect(await audited('webhook.updated')).toBe(0);

    await refusing('audit_events:webhook.deleted', () =>
      submitForm(owner, page, `${page}/delete`, { confirm: 'yes' }, 500),
    );
    expect(await enabled()).toBe(true);
    await refusing('webhook_endpoints', () => submitForm(owner, page, `${page}/delete`, { confirm: 'yes' }, 500));
    expect(await audited('webhook.deleted')).toBe(0);

    await submitForm(owner, page, `${page}/delete`, { confirm: 'yes' });
    expect([await count('webhook_endpoints'), await audited('webhook.deleted')]).toEqual([0, 1]);
  });
});

describe('"send now"', () => {
  /** The confirmation page's button, as sendNow (testApp) presses it, answering `status`. */
  const confirmSend = async (surveyId: string, status: number) => {
    const page = await owner.get(`/surveys/${surveyId}/send`).expect(200);
    const recipients = /name="recipients" value="(\d+)"/.exec(page.text)![1]!;
    return owner
      .post(`/surveys/${surveyId}/send`)
      .type('form')
      .send({ recipients, _csrf: csrfFrom(page.text) })
      .expect(status);
  };

  it('when the audit entry cannot be written, no wave opens and nobody is emailed; when the wave fails, nothing is recorded', async () => {
    const surveyId = await createSurvey(owner);
    await refusing('audit_events:survey.sent', () => confirmSend(surveyId, 500));
    expect([await count('waves'), await count('deliveries')]).toEqual([0, 0]);

    await refusing('deliveries', () => confirmSend(surveyId, 500));
    expect([await count('waves'), await audited('survey.sent')]).toEqual([0, 0]);

    await confirmSend(surveyId, 303);
    expect([await count('waves'), await count('deliveries'), await audited('survey.sent')]).toEqual([1, 2, 1]);
    const entry = await t.db.one<{ details: { recipients: number } }>(
      `SELECT details FROM audit_events WHERE action = 'survey.sent'`,
    );
    expect(entry!.details.recipients).toBe(2);
  });
});

describe('schedule activation', () => {
  it('when the audit entry cannot be written, the schedule stays paused; when activating fails, nothing is recorded', async () => {
    const surveyId = await createSurvey(owner);
    await submitForm(owner, `/surveys/${surveyId}/schedules/new`, `/surveys/${surveyId}/schedules`, {
      preset: 'custom',
      cron: '0 9 * * 1',
      timeZone: 'Europe/Paris',
      cadence: 'everyone',
      intent: 'save',
    });
    const id = (await t.db.one<{ id: string }>(`SELECT id FROM schedules`))!.id;
    const status = async () =>
      (await t.db.one<{ status: string }>(`SELECT status FROM schedules WHERE id = :id`, { id }))!.status;
    const activate = (code: number) =>
      submitForm(owner, `/schedules/${id}/activate`, `/schedules/${id}/activate`, { confirm: 'yes' }, code);

    await refusing('audit_events:schedule.activated', () => activate(500));
    expect(await status()).toBe('paused');
    await refusing('schedules', () => activate(500));
    expect(await audited('schedule.activated')).toBe(0);

    await activate(303);
    expect([await status(), await audited('schedule.activated')]).toEqual(['active', 1]);
  });
});

describe('exports', () => {
  it('is recorded before its first byte: when the entry cannot be written, nothing is exported', async () => {
    const surveyId = await createSurvey(owner);
    const refused = await refusing('audit_events:export.survey', () =>
      owner.get(`/surveys/${surveyId}/export.csv`).expect(500),
    );
    expect(refused.headers['content-disposition']).toBeUndefined();
    expect(await audited('export.survey')).toBe(0);

    const exported = await owner.get(`/surveys/${surveyId}/export.csv`).expect(200);
    expect(exported.headers['content-disposition']).toMatch(/attachment/);
    expect(await audited('export.survey')).toBe(1);
  });
});
