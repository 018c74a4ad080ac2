import {
  createSurvey,
  createTestApp,
  csrfFrom,
  sendNow,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
});
afterAll(() => t.close());

const count = async (sql: string, params: Record<string, unknown> = {}) =>
  Number((await t.db.one<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params))!.n);

const paste = (lines: string) => submitForm(agent, '/contacts', '/contacts/paste', { lines });

describe('"Send now" says how many it emails and asks to confirm', () => {
  let surveyId: string;
  beforeAll(async () => {
    surveyId = await createSurvey(agent);
  });

  it('with no contacts it says so, offers no button, and a POST opens no wave', async () => {
    const dash = await agent.get(`/surveys/${surveyId}`).expect(200);
    expect(dash.text).toContain(`href="/surveys/${surveyId}/send"`);
    expect(dash.text).not.toContain(`action="/surveys/${surveyId}/send"`); // no one-click form on the dashboard

    const page = await agent.get(`/surveys/${surveyId}/send`).expect(200);
    expect(page.text).toContain('Nobody to send to right now.');
    expect(page.text).toContain('There are no contacts yet.');
    expect(page.text).not.toContain('name="recipients"');

    const refused = await agent
      .post(`/surveys/${surveyId}/send`)
      .type('form')
      .send({ recipients: '0', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(refused.text).toContain('Nobody to send to');
    expect(await count('waves')).toBe(0);
  });

  it('counts those it would email after suppression, and a POST without the confirmed number sends nothing', async () => {
    await paste('Ada, ada@example.com\nGrace, grace@example.com\nLin, lin@example.com');
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE email = 'lin@example.com'`);

    const page = await agent.get(`/surveys/${surveyId}/send`).expect(200);
    expect(page.text).toMatch(/This emails <strong>2 people<\/strong> now/);
    expect(page.text).toContain('Left out: 1 unsubscribed or bounced.');
    expect(page.text).toContain('Email 2 people now');

    // A bare POST (an old one-click form, a stray request) comes back to the confirmation page.
    const bare = await agent
      .post(`/surveys/${surveyId}/send`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(bare.headers.location).toBe(`/surveys/${surveyId}/send`);
    expect(await count('waves')).toBe(0);

    // Without the CSRF token: refused.
    await agent.post(`/surveys/${surveyId}/send`).type('form').send({ recipients: '2' }).expect(403);
    expect(await count('waves')).toBe(0);
  });

  it('when more people became due than were confirmed, it refuses, writes nothing and shows the new number', async () => {
    const page = await agent.get(`/surveys/${surveyId}/send`).expect(200);
    await paste('Mo, mo@example.com');
    const res = await agent
      .post(`/surveys/${surveyId}/send`)
      .type('form')
      .send({ recipients: '2', _csrf: csrfFrom(page.text) })
      .expect(409);
    expect(res.text).toContain('3 people would be emailed now, not the 2 you confirmed');
    expect(res.text).toContain('Email 3 people now');
    expect(await count('waves')).toBe(0);
    expect(await count('deliveries')).toBe(0);
  });

  it('confirmed, it opens one wave for exactly those people; pressed again, the throttle leaves nobody and no empty wave', async () => {
    const sent = await sendNow(agent, surveyId);
    expect(sent.headers.location).toMatch(/^\/waves\//);
    expect(await count('waves')).toBe(1);
    expect(await count('deliveries')).toBe(3);

    const again = await agent.get(`/surveys/${surveyId}/send`).expect(200);
    expect(again.text).toContain('Nobody to send to right now.');
    expect(again.text).toContain("3 contacts were asked within the last 30 days (the workspace's throttle).");
    expect(again.text).toContain('1 contact is unsubscribed or bounced');
    await agent
      .post(`/surveys/${surveyId}/send`)
      .type('form')
      .send({ recipients: '3', _csrf: csrfFrom(again.text) })
      .expect(422);
    expect(await count('waves')).toBe(1);
  });
});

describe('schedules are safe to switch on', () => {
  let surveyId: string;
  beforeAll(async () => {
    surveyId = await createSurvey(agent);
  });

  const form = (over: Record<string, string> = {}) => ({
    name: 'Pulse',
    preset: 'custom',
    cron: '0 9 * * 1',
    timeZone: 'Europe/Paris',
    cadence: 'everyone',
    reminderCount: '0',
    reminderDays: '3',
    ...over,
  });
  const create = (over: Record<string, string> = {}, status = 303) =>
    submitForm(agent, `/surveys/${surveyId}/schedules/new`, `/surveys/${surveyId}/schedules`, form(over), status);

  it('a schedule firing more often than once an hour is refused with a message on the expression, nothing saved', async () => {
    for (const cron of ['* * * * *', '*/15 9 * * 1', '0,30 9 * * *']) {
      const res = await create({ cron }, 422);
      expect(res.text).toContain('This sends more than once an hour');
      expect(res.text).toContain('allow frequent schedules in Settings');
    }
    expect(await count('schedules')).toBe(0);
    // Hourly is fine.
    await create({ cron: '0 * * * *', name: 'Hourly' });
    expect(await count('schedules')).toBe(1);
  });

  it('the workspace can allow frequent schedules (Settings); turned off again, activating one is refused', async () => {
    const settings = await agent.get('/settings').expect(200);
    expect(settings.text).toContain('Allow schedules that send more often than once an hour');
    const values = {
      name: 'Acme',
      senderName: 'Valeria at Acme',
      postalAddress: '1 Main St',
      throttleDays: '30',
      timeZone: 'Europe/Paris',
    };
    await submitForm(agent, '/settings', '/settings', { ...values, allowFrequentSchedules: 'on' });
    const res = await create({ cron: '*/5 * * * *', name: 'Every five' });
    const id = res.headers.location!.split('/').pop()!;
    expect(await count(`schedules WHERE id = :id AND status = 'paused'`, { id })).toBe(1);

    await submitForm(agent, '/settings', '/settings', { ...values, allowFrequentSchedules: 'off' });
    const page = await agent.get(`/schedules/${id}/activate`).expect(200);
    expect(page.text).toContain('This sends more than once an hour');
    expect(page.text).not.toContain('Activate schedule</button>');
    const refused = await agent
      .post(`/schedules/${id}/activate`)
      .type('form')
      .send({ confirm: 'yes', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(refused.text).toContain('This sends more than once an hour');
    expect(await count(`schedules WHERE id = :id AND status = 'paused' AND next_slot_at IS NULL`, { id })).toBe(1);
  });

  it('a new schedule starts paused; activating shows the first send and the audience size, and acts only when confirmed', async () => {
    await paste('Ada, ada@example.com\nGrace, grace@example.com');
    await t.db.execute(`UPDATE contacts SET tags = '{vip}' WHERE email = 'grace@example.com'`);
    const res = await create({ name: 'VIP pulse', tags: 'vip' });
    const id = res.headers.location!.split('/').pop()!;
    expect(await count(`schedules WHERE id = :id AND status = 'paused' AND next_slot_at IS NULL`, { id })).toBe(1);

    const list = await agent.get(`/surveys/${surveyId}/schedules`).expect(200);
    expect(list.text).toContain('All subscribed contacts, tagged vip');
    expect(list.text).toContain(`href="/schedules/${id}/activate"`);

    const page = await agent.get(`/schedules/${id}/activate`).expect(200);
    expect(page.text).toMatch(/First send: Mon, \d+ \w+ \d{4}, 09:00 CES?T/);
    expect(page.text).toContain('Audience: All subscribed contacts, tagged vip.');
    // Grace was asked by "Send now" above (throttle): nobody else is tagged vip.
    expect(page.text).toContain('If it sent now, it would email 0 people (1 left out by the throttle');

    const bare = await agent
      .post(`/schedules/${id}/activate`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(bare.headers.location).toBe(`/schedules/${id}/activate`);
    expect(await count(`schedules WHERE id = :id AND status = 'paused'`, { id })).toBe(1);

    await submitForm(agent, `/schedules/${id}/activate`, `/schedules/${id}/activate`, { confirm: 'yes' });
    expect(await count(`schedules WHERE id = :id AND status = 'active' AND next_slot_at > now()`, { id })).toBe(1);
    const shown = await agent.get(`/schedules/${id}`).expect(200);
    expect(shown.text).toMatch(/Next send: Mon, \d+ \w+ \d{4}, 09:00 CES?T/);
    expect(shown.text).toContain(`action="/schedules/${id}/pause"`);
  });

  it('deleting a schedule asks first and says what stays; confirmed, it is gone and its waves are kept', async () => {
    const [s] = await t.db.query<{ id: string }>(`SELECT id FROM schedules WHERE name = 'VIP pulse'`);
    const id = s!.id;
    await t.db.execute(
      `INSERT INTO waves (workspace_id, survey_id, survey_version, schedule_id, slot_at, kind)
       SELECT workspace_id, survey_id, 1, id, now(), 'scheduled' FROM schedules WHERE id = :id`,
      { id },
    );
    const page = await agent.get(`/schedules/${id}/delete`).expect(200);
    expect(page.text).toContain('Delete the schedule “VIP pulse”?');
    expect(page.text).toContain('The waves it already sent');
    await agent
      .post(`/schedules/${id}/delete`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await count(`schedules WHERE id = :id AND deleted_at IS NULL`, { id })).toBe(1);

    await submitForm(agent, `/schedules/${id}/delete`, `/schedules/${id}/delete`, { confirm: 'yes' });
    expect(await count(`schedules WHERE id = :id AND deleted_at IS NULL`, { id })).toBe(0);
    expect(await count(`waves WHERE schedule_id = :id`, { id })).toBe(1);
  });

  it("the new-schedule form starts in the workspace's time zone", async () => {
    const page = await agent.get(`/surveys/${surveyId}/schedules/new`).expect(200);
    expect(page.text).toContain('<option value="Europe/Paris" selected>');
  });
});

describe('a schedule form with several bad fields', () => {
  it('flags every one of them at once, and saves nothing', async () => {
    const surveyId = await createSurvey(agent);
    const before = await count('schedules');
    const res = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      {
        preset: 'custom',
        cron: '0 9 * *',
        timeZone: 'Mars/Olympus',
        cadence: 'everyone',
        reminderCount: '0',
        reminderDays: '3',
        endsOn: '2020-01-01',
        segmentId: '00000000-0000-4000-8000-000000000000',
      },
      422,
    );
    expect(res.text).toContain('id="f-cron-err"');
    expect(res.text).toContain('Enter five fields');
    expect(res.text).toContain('Choose a time zone from the list');
    expect(res.text).toContain('Choose one of the segments listed.');
    const frequent = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      { preset: 'custom', cron: '*/5 * * * *', timeZone: 'UTC', cadence: 'everyone', endsOn: '2020-01-01' },
      422,
    );
    expect(frequent.text).toContain('This sends more than once an hour');
    expect(frequent.text).toContain('Choose an end date in the future');
    expect(await count('schedules')).toBe(before);
  });
});
