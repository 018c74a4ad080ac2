import request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { sendWave } from '../helpers/audience';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  await submitForm(agent, '/contacts', '/contacts/paste', { lines: 'Ada, ada@example.com\nGrace, grace@example.com' });
});
afterAll(() => t.close());

type Q = {
  id: string;
  type: string;
  text: string;
  required?: boolean;
  choices?: string[];
  bands?: string[];
  lowLabel?: string;
  highLabel?: string;
};

/** The builder's form as a browser sends it: flat fields, repeated checkboxes. */
function builderForm(csrf: string, settings: Record<string, string>, questions: Q[], extra: [string, string][] = []) {
  const f = new URLSearchParams({
    _csrf: csrf,
    title: 'Pulse',
    intro: '',
    language: 'en',
    senderUserId: '',
    closesAt: '',
    thankYouUrl: '',
    ...settings,
  });
  questions.forEach((q, i) => {
    const p = `questions.${i}.`;
    f.append(`${p}id`, q.id);
    f.append(`${p}type`, q.type);
    f.append(`${p}text`, q.text);
    if (q.required) f.append(`${p}required`, 'on');
    if (q.choices) f.append(`${p}choices`, q.choices.join('\n'));
    if (q.lowLabel !== undefined) f.append(`${p}lowLabel`, q.lowLabel);
    if (q.highLabel !== undefined) f.append(`${p}highLabel`, q.highLabel);
    q.bands?.forEach((b) => f.append(`${p}showIf.bands`, b));
  });
  extra.forEach(([k, v]) => f.append(k, v));
  return f.toString();
}

async function postBuilder(
  id: string,
  settings: Record<string, string>,
  questions: Q[],
  extra: [string, string][] = [],
  status = 303,
) {
  const page = await agent.get(`/surveys/${id}/edit`).expect(200);
  return agent
    .post(`/surveys/${id}/edit`)
    .type('form')
    .send(builderForm(csrfFrom(page.text), settings, questions, extra))
    .expect(status);
}

const create = async (fields: Record<string, string>) => {
  const res = await submitForm(agent, '/surveys/new', '/surveys', fields);
  return res.headers.location!.split('/')[2]!;
};
const versionsOf = (id: string) =>
  t.db.query<{ version: number; questions: Q[] }>(
    'SELECT version, questions FROM survey_versions WHERE survey_id = :id ORDER BY version',
    { id },
  );

const NPS: Q = { id: 'nps', type: 'nps', text: 'How likely are you to recommend us?', required: true };

describe('templates', () => {
  it('offers every template, and "What do you think?" asks about the topic the team names (and refuses without one)', async () => {
    const page = await agent.get('/surveys/new').expect(200);
    for (const title of [
      'How are we doing?',
      'What do you think?',
      'How did we do?',
      'Was it easy?',
      'How can I help?',
      'Blank survey',
    ])
      expect(page.text).toContain(title);
    const refused = await submitForm(agent, '/surveys/new', '/surveys', { template: 'what-do-you-think' }, 422);
    expect(refused.text).toContain('Name the topic you want to ask about.');
    const id = await create({ template: 'what-do-you-think', topic: 'our new pricing' });
    expect((await versionsOf(id))[0]!.questions).toEqual([
      expect.objectContaining({ type: 'long_text', text: 'What do you think about our new pricing?' }),
    ]);
    // Two of them can be told apart: the title carries the topic (and so does the page's title).
    const other = await create({ template: 'what-do-you-think', topic: 'the new onboarding' });
    const list = await agent.get('/surveys').expect(200);
    expect(list.text).toContain('What do you think? — our new pricing');
    expect(list.text).toContain('What do you think? — the new onboarding');
    expect((await agent.get(`/surveys/${other}`).expect(200)).text).toContain(
      '<title>What do you think? — the new onboarding · Rapport</title>',
    );
  });

  it('"How can I help?" shows its open question to detractors only; CSAT and CES use their own scales', async () => {
    const help = (await versionsOf(await create({ template: 'how-can-i-help' })))[0]!.questions;
    expect(help[1]).toMatchObject({ text: 'How can I help?', showIf: { bands: ['detractor'] } });
    expect((await versionsOf(await create({ template: 'csat' })))[0]!.questions[0]!.type).toBe('csat');
    expect((await versionsOf(await create({ template: 'ces' })))[0]!.questions[0]!.type).toBe('ces');
  });

  it('a blank survey opens in the builder', async () => {
    const res = await submitForm(agent, '/surveys/new', '/surveys', { template: 'blank' });
    expect(res.headers.location).toMatch(/^\/surveys\/[0-9a-f-]{36}\/edit$/);
  });
});

describe('the builder', () => {
  let id: string;
  beforeAll(async () => {
    id = await create({ template: 'how-are-we-doing' });
  });

  it('refuses a draft with no title, no question, with a message on the form', async () => {
    const res = await postBuilder(id, { title: '' }, [], [], 422);
    expect(res.text).toContain('Give the survey a title.');
    expect(res.text).toContain('Add at least one question.');
    expect(res.text).toContain('Nothing was saved');
  });

  it('refuses a choice question without two distinct choices and two questions sharing an id, next to the field', async () => {
    const res = await postBuilder(
      id,
      {},
      [
        NPS,
        { id: 'plan', type: 'single_choice', text: 'Which plan?', choices: ['Pro', 'pro'] },
        { id: 'nps', type: 'short_text', text: 'Other?' },
      ],
      [],
      422,
    );
    expect(res.text).toContain('Give at least two different choices, one per line.');
    expect(res.text).toContain('Another question already uses the answer key &#34;nps&#34;.');
    expect(res.text).toMatch(/id="f-questions\.1\.choices-err"/);
  });

  it('refuses a condition on a band the score question cannot produce, and a thank-you link that is not http(s)', async () => {
    const res = await postBuilder(
      id,
      { thankYouUrl: 'javascript:alert(1)' },
      [NPS, { id: 'why', type: 'long_text', text: 'Why?', bands: ['low'] }],
      [],
      422,
    );
    expect(res.text).toContain('With a NPS score, choose from: detractor, passive, promoter.');
    expect(res.text).toContain('Enter a web address starting with https:// or http://.');
  });

  it('adds, moves and removes questions server-side without saving anything', async () => {
    const qs: Q[] = [NPS, { id: 'reason', type: 'long_text', text: 'Why?' }];
    const added = await postBuilder(
      id,
      {},
      qs,
      [
        ['action', 'add'],
        ['addType', 'multiple_choice'],
      ],
      200,
    );
    expect(added.text).toContain('Question 3');
    const moved = await postBuilder(id, {}, qs, [['action', 'up.1']], 200);
    const ids = (html: string) =>
      [...html.matchAll(/name="questions\.\d+\.id" type="text" value="(\w+)"/g)].map((m) => m[1]);
    expect(ids(added.text)).toEqual(['nps', 'reason', 'multiple']);
    expect(ids(moved.text)).toEqual(['reason', 'nps']);
    const removed = await postBuilder(id, {}, qs, [['action', 'remove.0']], 200);
    expect(ids(removed.text)).toEqual(['reason']);
    expect((await versionsOf(id))[0]!.questions.map((q) => q.id)).toEqual(['nps', 'reason']);
  });

  it("previews the draft with the respondent's own page, in a sandboxed frame, with the clicked score preselected", async () => {
    const res = await postBuilder(
      id,
      {},
      [NPS, { id: 'reason', type: 'long_text', text: 'Tell us <why>' }],
      [
        ['action', 'preview'],
        ['previewScore', '3'],
      ],
      200,
    );
    const frame =
      /<iframe class="preview" title="Respondent preview" sandbox="allow-same-origin" srcdoc="([^"]*)"/.exec(
        res.text,
      )![1]!;
    const html = frame
      .replace(/&#34;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expect(html).toContain('/static/css/respond.css');
    expect(html).toMatch(/name="nps" value="3" checked/);
    expect(html).toContain('Tell us &lt;why&gt;');
  });

  it('saves settings: intro, sender teammate, language, close date, thank-you link, public link', async () => {
    const { id: ownerId } = (await t.db.one<{ id: string }>('SELECT id FROM users LIMIT 1'))!;
    await postBuilder(
      id,
      {
        title: 'Our pulse',
        intro: 'Two quick questions',
        language: 'fr',
        senderUserId: ownerId,
        closesAt: '2030-01-31T12:00',
        thankYouUrl: 'https://acme.test/thanks',
        publicLinkEnabled: 'on',
      },
      [NPS, { id: 'reason', type: 'long_text', text: 'Why?' }],
    );
    const s = (await t.db.one<Record<string, unknown>>('SELECT * FROM surveys WHERE id = :id', { id }))!;
    expect(s).toMatchObject({
      title: 'Our pulse',
      intro: 'Two quick questions',
      language: 'fr',
      sender_user_id: ownerId,
      thank_you_url: 'https://acme.test/thanks',
      public_link_enabled: true,
    });
    expect((s.closes_at as Date).toISOString()).toBe('2030-01-31T12:00:00.000Z');
    const other = await postBuilder(id, { senderUserId: '00000000-0000-4000-8000-000000000000' }, [NPS], [], 422);
    expect(other.text).toContain('Choose a teammate from this workspace.');
  });
});

describe('versions', () => {
  it('edits in place before anyone was invited; once answered, an edit publishes v2 and the earlier answer keeps v1 exactly', async () => {
    const id = await create({ template: 'how-are-we-doing' });
    await postBuilder(id, {}, [NPS, { id: 'reason', type: 'long_text', text: 'Why that score?' }]);
    expect((await versionsOf(id)).map((v) => v.version)).toEqual([1]);

    const tokens = await sendWave(t, agent, id);
    await request(t.app)
      .post(`/r/${tokens.get('ada@example.com')}`)
      .type('form')
      .send({ nps: '3', reason: 'Slow' })
      .expect(303);

    const saved = await postBuilder(id, {}, [
      { id: 'csat', type: 'csat', text: 'How satisfied are you?', required: true },
      { id: 'help', type: 'long_text', text: 'How can I help?', bands: ['low'] },
    ]);
    expect(saved.headers.location).toBe(`/surveys/${id}/edit?saved=published`);
    const versions = await versionsOf(id);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0]!.questions.map((q) => q.text)).toEqual([
      'How likely are you to recommend us?',
      'Why that score?',
    ]);
    expect(versions[1]!.questions[0]!.type).toBe('csat');
    expect(
      (await t.db.one<{ current_version: number }>('SELECT current_version FROM surveys WHERE id = :id', { id }))!
        .current_version,
    ).toBe(2);
    const [answer] = await t.db.query<{ survey_version: number }>(
      'SELECT survey_version FROM responses WHERE survey_id = :id',
      { id },
    );
    expect(answer!.survey_version).toBe(1);

    // Grace's link was sent on v1: she still answers v1's 0–10 question.
    const grace = await request(t.app)
      .get(`/r/${tokens.get('grace@example.com')}`)
      .expect(200);
    expect(grace.text).toContain('Why that score?');

    // Saving again without changing the questions does not publish v3.
    await postBuilder(
      id,
      { title: 'Renamed' },
      versions[1]!.questions.map((q) => ({ ...q, bands: (q as { showIf?: { bands: string[] } }).showIf?.bands })),
    );
    expect((await versionsOf(id)).map((v) => v.version)).toEqual([1, 2]);

    const edit = await agent.get(`/surveys/${id}/edit`).expect(200);
    expect(edit.text).toContain('v2 (current)');
    const old = await agent.get(`/surveys/${id}/preview?version=1`).expect(200);
    expect(old.text).toContain('Why that score?');
    const dashV1 = await agent.get(`/surveys/${id}?version=1`).expect(200);
    expect(dashV1.text).toMatch(/data-testid="responses">1</);
    expect(dashV1.text).toContain('data-testid="comment-version">v1<');
    const dashV2 = await agent.get(`/surveys/${id}?version=2`).expect(200);
    expect(dashV2.text).toMatch(/data-testid="responses">0</);
  });

  it('a survey with answers is archived, never deleted; one without answers can be deleted', async () => {
    const answered = (await t.db.one<{ survey_id: string }>('SELECT survey_id FROM responses LIMIT 1'))!.survey_id;
    const page = await agent.get(`/surveys/${answered}/edit`).expect(200);
    expect(page.text).not.toContain('Delete survey');
    const confirmPage = await agent.get(`/surveys/${answered}/delete`).expect(200);
    expect(confirmPage.text).toContain('This survey has answers, so it can only be archived');
    expect(confirmPage.text).not.toContain('Delete survey</button>');
    const refused = await agent
      .post(`/surveys/${answered}/delete`)
      .type('form')
      .send({ confirm: 'yes', _csrf: csrfFrom(page.text) })
      .expect(409);
    expect(refused.text).toContain('can only be archived');
    await agent
      .post(`/surveys/${answered}/archive`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(
      (await t.db.one<{ status: string }>('SELECT status FROM surveys WHERE id = :answered', { answered }))!.status,
    ).toBe('archived');

    const fresh = await create({ template: 'ces' });
    expect((await agent.get(`/surveys/${fresh}/edit`).expect(200)).text).toContain(`href="/surveys/${fresh}/delete"`);
    // Unconfirmed (a bare POST): back to the confirmation page, nothing deleted.
    const bare = await agent
      .post(`/surveys/${fresh}/delete`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(bare.headers.location).toBe(`/surveys/${fresh}/delete`);
    expect(await t.db.query('SELECT id FROM surveys WHERE id = :fresh', { fresh })).toHaveLength(1);
    const confirm = await agent.get(`/surveys/${fresh}/delete`).expect(200);
    expect(confirm.text).toContain('Its schedules stop');
    await agent
      .post(`/surveys/${fresh}/delete`)
      .type('form')
      .send({ confirm: 'yes', _csrf: csrfFrom(confirm.text) })
      .expect(303);
    expect(await t.db.query('SELECT id FROM surveys WHERE id = :fresh', { fresh })).toHaveLength(0);
  });
});
