import request from 'supertest';
import { createTestApp, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { seedDelivery, seedSurvey } from '../factories/respondent';
import type { Question } from '../../src/modules/surveys/questions';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
});
afterAll(() => t.close());

const dashboard = async (surveyId: string, qs = '') => (await agent.get(`/surveys/${surveyId}${qs}`).expect(200)).text;
/** The text of the element with this data-testid (tags stripped). */
const stat = (html: string, id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1]?.trim();
/** The visible words of a page, without tags, attributes, scripts or data. */
const visibleText = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

/** A person answers through their own link, as the respondent page posts it. */
async function answer(surveyId: string, body: Record<string, unknown>) {
  const d = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
  await request(t.app).post(`/r/${d.token}`).type('form').send(body).expect(303);
  return d;
}

const survey = (questions: Question[], title = 'Pulse') => seedSurvey(t.db, workspaceId, { questions, title });

describe('a CSAT survey (how the issue saw it go wrong: 5, 4 and 1 as "NPS −100")', () => {
  let id: string;
  let ones: Awaited<ReturnType<typeof answer>>;
  beforeAll(async () => {
    id = await survey([
      { id: 'csat', type: 'csat', text: 'How satisfied are you?', required: true },
      { id: 'why', type: 'long_text', text: 'Why?', required: false },
    ]);
    await answer(id, { csat: '5', why: 'Very helpful' });
    await answer(id, { csat: '4' });
    ones = await answer(id, { csat: '1', why: 'Nobody answered' });
  });

  it('shows 2 of 3 satisfied = 67 % (Wilson 21–94 %), the average 3.3 ± 5.2 (t, 2 df) and the distribution, and never says NPS', async () => {
    const html = await dashboard(id);
    expect(stat(html, 'headline')).toBe('67 %');
    expect(stat(html, 'headline-interval')).toBe('21–94 %');
    expect(stat(html, 'q-csat-headline')).toBe('67 %');
    // mean 10/3; s² = (1.667² + 0.667² + 2.333²)/2 = 4.333; t(.975, 2) = 4.303 → 4.303·√(4.333/3) = 5.17
    expect(stat(html, 'q-csat-mean')).toBe('3.3');
    expect(html).toMatch(/data-testid="q-csat-mean">3\.3<\/span> <small class="moe">± 5\.2</);
    expect(html).toMatch(/data-testid="bars-csat"[\s\S]*<th scope="row">1<\/th><td>1<\/td><td>33 %<\/td>/);
    expect(html).toMatch(/<th scope="row">3<\/th><td>0<\/td><td>0 %<\/td>/);
    expect(stat(html, 'responses')).toBe('3');
    expect(stat(html, 'q-why-answered')).toBe('2');
    expect(visibleText(html)).not.toMatch(/NPS|promoter|detractor/i);
    expect(html).toContain('Low scores (1–3)');
    expect(html).not.toContain('data-testid="nps"');
  });

  it('follows a changed answer: the 1 becomes 5 → 3 of 3 satisfied, exactly', async () => {
    await request(t.app).post(`/r/${ones.token}`).type('form').send({ csat: '5' }).expect(303);
    const html = await dashboard(id);
    expect(stat(html, 'headline')).toBe('100 %');
    expect(html).toMatch(/data-testid="bars-csat"[\s\S]*<th scope="row">1<\/th><td>0<\/td>/);
    expect(stat(html, 'q-csat-answered')).toBe('3');
  });

  it('after an erasure keeps the score and drops the free text from the counts', async () => {
    await submitForm(agent, `/contacts/${ones.contactId}`, `/contacts/${ones.contactId}/erase`, { confirm: 'on' });
    const html = await dashboard(id);
    expect(stat(html, 'headline')).toBe('100 %');
    expect(stat(html, 'responses')).toBe('3');
    expect(stat(html, 'q-why-answered')).toBe('1');
    expect(html).not.toContain('Nobody answered');
  });
});

describe('CES, rating and NPS sections', () => {
  it('CES 7, 6, 2, 5: average ease 5.0 ± 3.2, 3 of 4 easy (5–7) = 75 %', async () => {
    const id = await survey([{ id: 'ces', type: 'ces', text: 'How easy was it?', required: true }]);
    for (const s of ['7', '6', '2', '5']) await answer(id, { ces: s });
    const html = await dashboard(id);
    // s² = (4 + 1 + 9 + 0)/3 = 4.667; t(.975, 3) = 3.182 → 3.182·√(4.667/4) = 3.44
    expect(stat(html, 'headline')).toBe('5.0');
    expect(stat(html, 'q-ces-headline')).toBe('5.0');
    expect(html).toMatch(/data-testid="q-ces-interval">± 3\.4</);
    expect(stat(html, 'q-ces-high')).toBe('75 %');
    expect(visibleText(html)).not.toMatch(/NPS/);
  });

  it('rating 4, 5, 3: average 4.0 ± 2.5', async () => {
    const id = await survey([{ id: 'stars', type: 'rating', text: 'Rate the docs', required: true }]);
    for (const s of ['4', '5', '3']) await answer(id, { stars: s });
    const html = await dashboard(id);
    // s = 1; t(.975, 2) = 4.303 → 4.303/√3 = 2.48
    expect(stat(html, 'q-stars-headline')).toBe('4.0');
    expect(html).toMatch(/data-testid="q-stars-interval">± 2\.5</);
    expect(visibleText(html)).not.toMatch(/NPS/);
  });

  it('NPS 10, 10, 0: NPS 33 with promoters 2, passives 0, detractors 1', async () => {
    const id = await survey([{ id: 'nps', type: 'nps', text: 'Recommend us?', required: true }]);
    for (const s of ['10', '10', '0']) await answer(id, { nps: s });
    const html = await dashboard(id);
    expect(stat(html, 'nps')).toBe('33');
    expect(stat(html, 'q-nps-promoters')).toBe('2');
    expect(stat(html, 'q-nps-passives')).toBe('0');
    expect(stat(html, 'q-nps-detractors')).toBe('1');
  });
});

describe('choice questions', () => {
  it('counts and shares per choice; several choices share the same denominator (those who answered)', async () => {
    const id = await survey([
      {
        id: 'plan',
        type: 'single_choice',
        text: 'Which plan?',
        required: false,
        choices: ['Free', 'Pro', 'Team & more'],
      },
      {
        id: 'used',
        type: 'multiple_choice',
        text: 'What did you use?',
        required: false,
        choices: ['Chat', 'Email', 'Phone'],
      },
      { id: 'again', type: 'yes_no', text: 'Buy again?', required: false },
    ]);
    await answer(id, { plan: 'Pro', used: ['Chat', 'Email'], again: 'yes' });
    await answer(id, { plan: 'Pro', used: 'Chat', again: 'yes' });
    await answer(id, { plan: 'Free', again: 'no' });
    const html = await dashboard(id);
    expect(html).toMatch(
      /data-testid="bars-plan"[\s\S]*?<th scope="row">Free<\/th><td>1<\/td><td>33 %<\/td>[\s\S]*?<th scope="row">Pro<\/th><td>2<\/td><td>67 %<\/td>[\s\S]*?<th scope="row">Team &amp; more<\/th><td>0<\/td><td>0 %<\/td>/,
    );
    expect(html).toMatch(
      /data-testid="bars-used"[\s\S]*?<th scope="row">Chat<\/th><td>2<\/td><td>100 %<\/td>[\s\S]*?<th scope="row">Email<\/th><td>1<\/td><td>50 %<\/td>/,
    );
    expect(html).toMatch(/data-testid="bars-again"[\s\S]*?<th scope="row">Yes<\/th><td>2<\/td><td>67 %<\/td>/);
    expect(html).toMatch(/Answers<\/h2>/);
    expect(html).toContain('This survey has no scale question');
  });
});

describe('an open-question survey ("What do you think?")', () => {
  let id: string;
  beforeAll(async () => {
    id = await survey([
      { id: 'opinion', type: 'long_text', text: 'What do you think about our pricing?', required: true },
    ]);
    for (const text of [
      'Late delivery again, and support was slow',
      'Another late delivery. Sadly.',
      'Delivery was late',
      'Love the new =HYPERLINK("http://x") pricing page',
    ])
      await answer(id, { opinion: text });
  });

  it('shows the comments and the themes (stems grouped, stop words gone), and no NPS anywhere', async () => {
    const html = await dashboard(id);
    expect(html).toContain('Another late delivery. Sadly.');
    const themes = [...html.matchAll(/data-testid="theme">([^<]+)<\/a> <span class="theme-n">(\d+) answer/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    expect(themes).toEqual(expect.arrayContaining(['delivery:3', 'late:3', 'late delivery:2']));
    expect(themes.some((x) => /^(was|and|the|again):/.test(x))).toBe(false);
    expect(visibleText(html)).not.toMatch(/NPS/);
    expect(stat(html, 'responses')).toBe('4');
  });

  it('a theme opens the answers behind it (full-text search in the survey language)', async () => {
    const phrase = await agent.get(`/surveys/${id}/comments/opinion`).query({ q: '"late delivery"' }).expect(200);
    expect(phrase.text).toContain('Late delivery again');
    expect(phrase.text).toContain('Another late delivery');
    expect(phrase.text).not.toContain('Delivery was late');
    // "deliveries" finds "delivery": English stemming.
    const stemmed = await agent.get(`/surveys/${id}/comments/opinion`).query({ q: 'deliveries' }).expect(200);
    expect((stemmed.text.match(/<blockquote>/g) ?? []).length).toBe(3);
  });

  it('refuses a question that is not an open question of the survey, and bad filters, with a 4xx', async () => {
    await agent.get(`/surveys/${id}/comments/nope`).expect(404);
    await agent.get(`/surveys/${id}/comments/Bad-Id`).expect(422);
    await agent.get(`/surveys/${id}/comments/opinion?after=garbage`).expect(422);
    await agent.get(`/surveys/${id}?from=banana`).expect(422);
    await agent.get(`/surveys/${id}?from=2026-02-30`).expect(422);
    await agent.get(`/surveys/${id}?from=2026-03-01&to=2026-02-01`).expect(422);
    await agent.get(`/surveys/${id}?version=abc`).expect(422);
    await agent.get(`/surveys/${id}?version=7`).expect(404);
    await agent.get(`/surveys/${id}?segment=not-a-uuid`).expect(422);
    await agent.get(`/surveys/${id}?segment=00000000-0000-4000-8000-000000000000`).expect(404);
    await agent.get(`/surveys/${id}?prop=nocolon`).expect(422);
    await agent.get(`/surveys/${id}?grain=hour`).expect(422);
    await agent.get(`/surveys/${id}?tag=a&tag=b`).expect(422);
    await agent.get(`/surveys/${id}/responses?after=${Buffer.from('not json').toString('base64url')}`).expect(422);
    await agent.get(`/surveys/${id}/compare?a=x&b=y`).expect(422);
  });
});

/** Answers as they would have arrived `daysAgo` days ago, straight into the table (the triggers count them). */
async function seed(surveyId: string, daysAgo: number, scores: number[], contactIds: (string | null)[] = []) {
  await t.db.query(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, contact_id, submitted_at)
     SELECT :workspaceId, :surveyId, 1, x.score, jsonb_build_object('nps', x.score), x.contact,
       now() - make_interval(days => :daysAgo)
     FROM unnest(ARRAY[:scores]::int[], ARRAY[:contacts]::uuid[]) AS x(score, contact) RETURNING id`,
    {
      workspaceId,
      surveyId,
      daysAgo,
      scores,
      contacts: scores.map((_, i) => contactIds[i % Math.max(1, contactIds.length)] ?? null),
    },
  );
}
const npsSurvey = () => survey([{ id: 'nps', type: 'nps', text: 'Recommend us?', required: true }]);

describe('"are we getting better?" and the trend', () => {
  it('says there is not enough to compare before any answers', async () => {
    expect(await dashboard(await npsSurvey())).toMatch(/Not enough answers yet to compare/);
  });

  it('calls a large, well-sampled rise "Better" with its interval', async () => {
    const id = await npsSurvey();
    await seed(id, 40, [...Array(60).fill(3), ...Array(60).fill(9), ...Array(80).fill(7)]); // NPS 0
    await seed(id, 5, [...Array(20).fill(3), ...Array(120).fill(10), ...Array(60).fill(8)]); // NPS 50
    const html = await dashboard(id);
    expect(html).toMatch(/Better: \+50 points, more than the margin of error\./);
    expect(html).toMatch(/Last 30 days: NPS 50 \(± \d+\), 200 answers/);
  });

  it('calls a small-sample swing "No clear change" instead of celebrating noise', async () => {
    const id = await npsSurvey();
    await seed(id, 40, [3, 9, 7, 7, 7]);
    await seed(id, 2, [9, 10, 6, 9, 7]);
    expect(await dashboard(id)).toMatch(/No clear change: \+40 points is within the margin of error\./);
  });

  it('picks the finest grain with enough answers, draws hollow points under 30 answers, hides periods under the threshold, and has the table behind the chart', async () => {
    const id = await npsSurvey();
    // Six weeks of 45 answers, one of 12 (hollow: under 30) and one of 2 (under the anonymity threshold of 5):
    // about 31 a week on average, too few a day, so weeks.
    for (let week = 0; week < 6; week++) await seed(id, 7 * week + 1, Array(45).fill(week % 2 ? 10 : 0));
    await seed(id, 43, Array(12).fill(9));
    await seed(id, 50, [10, 10]);
    const html = await dashboard(id);
    expect(html).toMatch(/NPS by week<\/h2>/);
    const trend = JSON.parse(
      /data-trend="([^"]+)"/
        .exec(html)![1]!
        .replace(/&#34;/g, '"')
        .replace(/&quot;/g, '"'),
    ) as { kind: string; points: { period: string; n: number; value: number | null; hidden: boolean; few: boolean }[] };
    expect(trend.kind).toBe('nps');
    const shown = trend.points.filter((p) => p.n > 0);
    expect(shown.filter((p) => p.n === 45).map((p) => [p.few, Math.abs(p.value!)])).toEqual(
      Array(6).fill([false, 100]),
    );
    expect(shown.find((p) => p.n === 12)).toMatchObject({ few: true, value: 100, hidden: false });
    const small = shown.find((p) => p.n === 2)!;
    expect(small).toMatchObject({ hidden: true, value: null });
    expect(html).toMatch(/data-testid="trend-table"[\s\S]*<td>2<\/td><td>hidden \(fewer than 5\)<\/td>/);
    // The reader's grain wins.
    expect(await dashboard(id, '?grain=month')).toMatch(/NPS by month<\/h2>/);
  });
});

describe('segments: filtered views, anonymity and comparison', () => {
  let id: string;
  let segA: string;
  let segB: string;
  beforeAll(async () => {
    id = await npsSurvey();
    const contacts = await t.db.query<{ id: string; tags: string[] }>(
      `INSERT INTO contacts (workspace_id, email, tags, properties)
       SELECT :workspaceId, 'seg' || i || '@example.com', CASE WHEN i <= 40 THEN ARRAY['vip'] ELSE ARRAY['trial'] END,
         jsonb_build_object('plan', CASE WHEN i <= 3 THEN 'tiny' ELSE 'big' END)
       FROM generate_series(1, 80) i RETURNING id, tags`,
      { workspaceId },
    );
    const vip = contacts.filter((c) => c.tags.includes('vip')).map((c) => c.id);
    const trial = contacts.filter((c) => c.tags.includes('trial')).map((c) => c.id);
    await seed(id, 3, Array(40).fill(10), vip); // VIPs: NPS 100
    await seed(id, 3, [...Array(20).fill(0), ...Array(20).fill(8)], trial); // trials: NPS −50
    await submitForm(agent, '/contacts/segments', '/contacts/segments', { name: 'VIP', tag: 'vip' });
    await submitForm(agent, '/contacts/segments', '/contacts/segments', { name: 'Trial', tag: 'trial' });
    const segs = await t.db.query<{ id: string; name: string }>('SELECT id, name FROM segments');
    segA = segs.find((s) => s.name === 'VIP')!.id;
    segB = segs.find((s) => s.name === 'Trial')!.id;
  });

  it('a segment, a tag and a property each narrow every number', async () => {
    expect(stat(await dashboard(id), 'nps')).toBe('25');
    expect(stat(await dashboard(id, `?segment=${segA}`), 'nps')).toBe('100');
    expect(stat(await dashboard(id, '?tag=trial'), 'nps')).toBe('-50');
    expect(stat(await dashboard(id, '?prop=plan:big&tag=vip'), 'responses')).toBe('37');
  });

  it('a group under the anonymity threshold shows no score and no comments; the setting changes it', async () => {
    const small = await dashboard(id, '?prop=plan:tiny');
    expect(small).toContain('data-testid="too-small"');
    expect(small).not.toContain('data-testid="nps"');
    await agent.get(`/surveys/${id}/export.csv?prop=plan:tiny`).expect(403);
    await submitForm(agent, '/settings', '/settings', {
      name: 'Acme',
      senderName: 'Valeria at Acme',
      postalAddress: '1 Main St',
      throttleDays: '30',
      anonymityThreshold: '3',
    });
    expect(stat(await dashboard(id, '?prop=plan:tiny'), 'nps')).toBe('100');
    await submitForm(agent, '/settings', '/settings', {
      name: 'Acme',
      senderName: 'Valeria at Acme',
      postalAddress: '1 Main St',
      throttleDays: '30',
      anonymityThreshold: '5',
    });
  });

  it('compares two segments: 100 against −50 is +150 points, beyond the noise', async () => {
    const page = await agent.get(`/surveys/${id}/compare`).query({ a: segA, b: segB }).expect(200);
    expect(stat(page.text, 'compare-delta')).toMatch(/^\+150 points \(\d+ to \d+\)$/);
    expect(stat(page.text, 'compare-verdict')).toBe('Yes: VIP is higher');
    const same = await agent.get(`/surveys/${id}/compare`).query({ a: segA, b: segA }).expect(200);
    expect(stat(same.text, 'compare-verdict')).toBe('No: within the margin of error');
  });
});

describe('the responses table and exports', () => {
  let id: string;
  beforeAll(async () => {
    id = await survey([
      { id: 'nps', type: 'nps', text: '=cmd|calc', required: true },
      { id: 'used', type: 'multiple_choice', text: 'Used', required: false, choices: ['Chat', 'Email'] },
      { id: 'why', type: 'long_text', text: 'Why?', required: false },
    ]);
    await answer(id, { nps: '9', used: ['Chat', 'Email'], why: '=HYPERLINK("http://x")' });
    await seed(id, 2, Array(55).fill(7));
  });

  it('pages by keyset: 50 rows, then the rest, every row once', async () => {
    const first = await agent.get(`/surveys/${id}/responses`).expect(200);
    const rows = (html: string) => (html.match(/<tr>\s*<td><a href="\/inbox\//g) ?? []).length;
    expect(rows(first.text)).toBe(50);
    const next = /href="([^"]+after=[^"]+)" rel="next"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const second = await agent.get(next).expect(200);
    expect(rows(second.text)).toBe(6);
    expect(second.text).not.toContain('rel="next"');
  });

  it('CSV: UTF-8 with a BOM, a column per question, formula cells neutralised', async () => {
    const res = await agent
      .get(`/surveys/${id}/export.csv`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.toString('utf8').slice(1).trim().split('\n');
    expect(lines[0]).toBe("response_id,submitted_at,version,completed,contact_email,contact_name,'=cmd|calc,Used,Why?");
    expect(lines).toHaveLength(57);
    const ours = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(ours).toContain(`,9,Chat; Email,"'=HYPERLINK(""http://x"")"`);
    expect(ours).not.toMatch(/,"=HYPERLINK/);
  });

  it('JSON Lines: one object per response with its answers', async () => {
    const res = await agent
      .get(`/surveys/${id}/export.jsonl`)
      .buffer(true)
      .parse((r, cb) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString('utf8')));
        r.on('end', () => cb(null, text));
      });
    const objects = (res.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { score: number; answers: Record<string, unknown> });
    expect(objects).toHaveLength(56);
    expect(objects.find((o) => o.answers.why)?.answers).toEqual({
      nps: 9,
      used: ['Chat', 'Email'],
      why: '=HYPERLINK("http://x")',
    });
  });
});
