import { createSurvey, createTestApp, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  surveyId = await createSurvey(agent);
});
afterAll(() => t.close());

const form = (over: Record<string, string> = {}) => ({
  name: 'Weekly pulse',
  preset: 'weekly-monday',
  cron: '',
  timeZone: 'Europe/Paris',
  cadence: 'everyone',
  cycleDays: '',
  reminderCount: '1',
  reminderDays: '3',
  tags: '',
  properties: '',
  endsOn: '',
  ...over,
});

describe('schedules, as a team sets them up', () => {
  let scheduleId: string;

  it('the survey dashboard links to its schedules; the new-schedule form offers presets and a raw expression', async () => {
    const dash = await agent.get(`/surveys/${surveyId}`).expect(200);
    expect(dash.text).toContain(`href="/surveys/${surveyId}/schedules"`);
    const page = await agent.get(`/surveys/${surveyId}/schedules/new`).expect(200);
    expect(page.text).toContain('Every Monday at 09:00');
    expect(page.text).toContain('Quarterly');
    expect(page.text).toContain('name="cron"');
    expect(page.text).toContain('<option value="Europe/Paris"');
  });

  it('"Preview" shows the expression in words and the next five sends in the schedule\'s zone, saving nothing', async () => {
    const res = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ intent: 'preview', preset: 'custom', cron: '30 8 * * 1-5', timeZone: 'Asia/Tokyo' }),
      200,
    );
    expect(res.text).toContain('At 08:30, Monday through Friday');
    const items = [...res.text.matchAll(/<li>([^<]*GMT\+9[^<]*)<\/li>/g)].map((m) => m[1]);
    expect(items).toHaveLength(5);
    expect(items.every((i) => /08:30/.test(i!))).toBe(true);
    expect(await t.db.query('SELECT id FROM schedules')).toHaveLength(0);
  });

  it('the JSON preview answers the same, and refuses a bad expression with a message', async () => {
    const ok = await agent
      .get('/schedules/preview')
      .query({ cron: '0 9 * * 1', timeZone: 'America/New_York' })
      .set('Accept', 'application/json')
      .expect(200);
    expect(ok.body.words).toBe('At 09:00, only on Monday');
    expect(ok.body.next).toHaveLength(5);
    const bad = await agent
      .get('/schedules/preview')
      .query({ cron: '0 25 * * *', timeZone: 'UTC' })
      .set('Accept', 'application/json')
      .expect(422);
    expect(bad.body.error.fields.cron).toMatch(/not valid/);
  });

  it('an invalid expression or zone is refused with a message on the field, the form kept, nothing saved', async () => {
    const badCron = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ preset: 'custom', cron: '0 9 * *' }),
      422,
    );
    expect(badCron.text).toContain('Enter five fields');
    expect(badCron.text).toContain('value="Weekly pulse"');
    const badZone = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ timeZone: 'Mars/Olympus' }),
      422,
    );
    expect(badZone.text).toContain('Choose a time zone from the list');
    const badRolling = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ cadence: 'rolling', cycleDays: '0' }),
      422,
    );
    expect(badRolling.text).toContain('Ask each contact every 1 to 730 days.');
    // Two bad fields at once: both are flagged, each on its own field, in one answer.
    const both = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ preset: 'custom', cron: '0 9 * *', timeZone: 'Mars/Olympus' }),
      422,
    );
    expect(both.text).toContain('Enter five fields');
    expect(both.text).toContain('Choose a time zone from the list');
    expect(both.text).toContain('id="f-cron-err"');
    expect(both.text).toContain('id="f-timeZone-err"');
    expect(await t.db.query('SELECT id FROM schedules')).toHaveLength(0);
  });

  it('an unnamed schedule is listed by its cadence in words, not by its cron expression', async () => {
    const res = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ name: '' }),
    );
    const id = res.headers.location!.split('/').pop()!;
    const list = (await agent.get(`/surveys/${surveyId}/schedules`).expect(200)).text;
    expect(list).toContain(`<a href="/schedules/${id}">At 09:00, only on Monday</a>`);
    expect(list).not.toContain('>0 9 * * 1<');
    await t.db.execute('DELETE FROM schedules');
  });

  it("creating a schedule stores the preset's expression, audience filters and reminders, and shows its next send", async () => {
    const res = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ tags: 'vip, customer', properties: 'plan = pro\nregion=eu', reminderCount: '2', endsOn: '2099-12-31' }),
    );
    scheduleId = res.headers.location!.split('/').pop()!;
    const [s] = await t.db.query<Record<string, unknown>>(
      `SELECT cron, time_zone, audience, reminder_count, ends_at, next_slot_at FROM schedules WHERE id = :scheduleId`,
      { scheduleId },
    );
    expect(s).toMatchObject({
      cron: '0 9 * * 1',
      time_zone: 'Europe/Paris',
      audience: { tags: ['vip', 'customer'], properties: { plan: 'pro', region: 'eu' } },
      reminder_count: 2,
    });
    expect((s!.ends_at as Date).toISOString()).toBe('2099-12-31T22:59:59.999Z'); // end of that day in Paris
    const page = await agent.get(`/schedules/${scheduleId}`).expect(200);
    expect(page.text).toContain('At 09:00, only on Monday');
    // It starts paused: nothing is sent until someone activates it on its confirmation page.
    expect(page.text).toContain('data-testid="schedule-state">paused<');
    expect(s!.next_slot_at).toBeNull();
    const activation = await agent.get(`/schedules/${scheduleId}/activate`).expect(200);
    expect(activation.text).toMatch(/First send: Mon, \d+ \w+ \d{4}, 09:00 CES?T/);
    await submitForm(agent, `/schedules/${scheduleId}/activate`, `/schedules/${scheduleId}/activate`, {
      confirm: 'yes',
    });
    const active = await agent.get(`/schedules/${scheduleId}`).expect(200);
    expect(active.text).toMatch(/Next send: Mon, \d+ \w+ \d{4}, 09:00 CES?T/);
  });

  it("offers the workspace's saved segments as the audience, stores the choice, and refuses a segment that is not one of them", async () => {
    await submitForm(agent, '/contacts?prop=plan:pro', '/contacts/segments', {
      prop: 'plan:pro',
      name: 'Pro customers',
    });
    const [seg] = await t.db.query<{ id: string }>(`SELECT id FROM segments WHERE name = 'Pro customers'`);
    const page = await agent.get(`/surveys/${surveyId}/schedules/new`).expect(200);
    expect(page.text).toContain(`<option value="${seg!.id}" >Segment: Pro customers</option>`);

    const foreign = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ segmentId: '00000000-0000-4000-8000-000000000000' }),
      422,
    );
    expect(foreign.text).toContain('Choose one of the segments listed.');
    const res = await submitForm(
      agent,
      `/surveys/${surveyId}/schedules/new`,
      `/surveys/${surveyId}/schedules`,
      form({ name: 'Pro pulse', segmentId: seg!.id }),
    );
    const id = res.headers.location!.split('/').pop()!;
    const [saved] = await t.db.query<{ audience: { segmentId?: string } }>(
      'SELECT audience FROM schedules WHERE id = :id',
      { id },
    );
    expect(saved!.audience.segmentId).toBe(seg!.id);
    const edit = await agent.get(`/schedules/${id}`).expect(200);
    expect(edit.text).toContain(`<option value="${seg!.id}" selected>Segment: Pro customers</option>`);
  });

  it('editing changes the expression; pause stops it, resume restarts it; delete hides it but keeps its waves', async () => {
    await submitForm(agent, `/schedules/${scheduleId}`, `/schedules/${scheduleId}`, form({ preset: 'quarterly' }));
    const [edited] = await t.db.query<{ cron: string }>(`SELECT cron FROM schedules WHERE id = :scheduleId`, {
      scheduleId,
    });
    expect(edited!.cron).toBe('0 9 1 1,4,7,10 *');

    await submitForm(agent, `/schedules/${scheduleId}`, `/schedules/${scheduleId}/pause`, {});
    let [s] = await t.db.query<{ status: string; next: Date | null }>(
      `SELECT status, next_slot_at AS next FROM schedules WHERE id = :scheduleId`,
      { scheduleId },
    );
    expect(s).toEqual({ status: 'paused', next: null });
    expect((await agent.get(`/surveys/${surveyId}/schedules`).expect(200)).text).toContain('Activate…');

    await submitForm(agent, `/schedules/${scheduleId}/activate`, `/schedules/${scheduleId}/activate`, {
      confirm: 'yes',
    });
    [s] = await t.db.query(`SELECT status, next_slot_at AS next FROM schedules WHERE id = :scheduleId`, { scheduleId });
    expect(s!.status).toBe('active');
    expect(s!.next).toBeInstanceOf(Date);

    await t.db.execute(
      `INSERT INTO waves (workspace_id, survey_id, survey_version, schedule_id, slot_at, kind) SELECT workspace_id, survey_id, 1, id, now(), 'scheduled'
       FROM schedules WHERE id = :scheduleId`,
      { scheduleId },
    );
    await submitForm(agent, `/schedules/${scheduleId}/delete`, `/schedules/${scheduleId}/delete`, { confirm: 'yes' });
    expect((await agent.get(`/surveys/${surveyId}/schedules`).expect(200)).text).not.toContain(
      `/schedules/${scheduleId}"`,
    );
    await agent.get(`/schedules/${scheduleId}`).expect(404);
    expect(await t.db.query(`SELECT id FROM waves WHERE schedule_id = :scheduleId`, { scheduleId })).toHaveLength(1);
  });
});
