import { normalizeLocale, splitTags } from '../../src/modules/contacts/contacts.schemas';
import { filterCondition, filterFromInput } from '../../src/modules/contacts/segment.filter';
import { encodingProblem, guessMapping, sniffDelimiter } from '../../src/modules/contacts/import/sniff';
import { mapRecord, mappingProblem } from '../../src/modules/contacts/import/import.service';
import { applyAction, builderFormSchema } from '../../src/modules/surveys/builder';
import { surveyQuestionsSchema } from '../../src/modules/surveys/surveys.schemas';

describe('reading a CSV', () => {
  it('reads locales the way CRMs write them, and refuses the rest', () => {
    expect(['fr', 'fr-FR', 'FR_ca', 'French', 'Español', 'de'].map(normalizeLocale)).toEqual([
      'fr',
      'fr',
      'fr',
      'fr',
      'es',
      'de',
    ]);
    expect(normalizeLocale('klingon')).toBeUndefined();
    expect(normalizeLocale('it')).toBeUndefined();
  });

  it('picks the delimiter that splits the header most, and spots UTF-16 and binary files', () => {
    expect(sniffDelimiter('email;name;plan')).toBe(';');
    expect(sniffDelimiter('email\tname')).toBe('\t');
    expect(sniffDelimiter('email')).toBe(',');
    expect(encodingProblem(Buffer.from([0xff, 0xfe, 0x65, 0]))).toContain('UTF-16');
    expect(encodingProblem(Buffer.from('email\n'))).toBeUndefined();
  });

  it('finds the email column by its contents when its header says nothing', () => {
    const mapping = guessMapping(
      ['who', 'contact'],
      [
        ['Ada', 'ada@example.com'],
        ['Bob', 'bob@example.com'],
      ],
    );
    expect(mapping.map((m) => m.to)).toEqual(['property', 'email']);
  });

  it('refuses a mapping without exactly one email column', () => {
    expect(mappingProblem([{ to: 'name' }], 1)).toMatch(/Choose which column holds the email/);
    expect(mappingProblem([{ to: 'email' }, { to: 'email' }], 2)).toBe('Only one column can be the email.');
    expect(mappingProblem([{ to: 'email' }, { to: 'property', key: 'a' }, { to: 'property', key: 'a' }], 3)).toMatch(
      /same property/,
    );
  });

  it('maps a row to a contact, joining first and last names, merging tags, and refuses bad emails and owners', () => {
    const owners = new Map([['valeria@acme.test', 'u1']]);
    const m = [
      { to: 'email' },
      { to: 'first_name' },
      { to: 'last_name' },
      { to: 'tags' },
      { to: 'owner' },
      { to: 'property', key: 'plan' },
    ] as const;
    expect(
      mapRecord([' ADA@Example.com ', 'Ada', 'Lovelace', 'VIP; beta', 'Valeria@Acme.test', 'pro'], [...m], owners, [
        'import',
      ]),
    ).toEqual({
      row: {
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        locale: null,
        owner: 'u1',
        tags: ['beta', 'import', 'vip'],
        properties: { plan: 'pro' },
      },
    });
    expect(mapRecord(['nope', '', '', '', '', ''], [...m], owners, [])).toEqual({
      reason: 'Invalid email "nope".',
      email: 'nope',
    });
    expect(mapRecord(['a@b.co', '', '', '', 'stranger', ''], [...m], owners, [])).toMatchObject({
      reason: expect.stringContaining('Unknown owner'),
    });
  });

  it('splits tags on commas, semicolons and pipes, lower-cased and without repeats', () => {
    expect(splitTags('VIP, beta;vip | churn ')).toEqual(['vip', 'beta', 'churn']);
  });
});

describe('segment filters', () => {
  it('reads a filter from a query string and turns it into an index-friendly condition with its own replacements', () => {
    const f = filterFromInput({
      tag: 'vip, beta',
      prop: ['plan:pro', 'region'],
      status: 'subscribed',
      surveyed: 'before',
      days: '90',
      band: ['detractor', 'bogus'],
    });
    expect(f).toEqual({
      tags: ['vip', 'beta'],
      statuses: ['subscribed'],
      properties: [{ key: 'plan', value: 'pro' }, { key: 'region' }],
      surveyed: { op: 'before', days: 90 },
      bands: ['detractor'],
    });
    const cond = filterCondition(f, 'x', 'aud');
    expect(cond.sql).toContain('x.tags @> ARRAY[:aud_0, :aud_1]::text[]');
    expect(cond.sql).toContain('x.properties @> :aud_3::jsonb');
    expect(cond.sql).toContain('x.properties ? :aud_4');
    expect(cond.replacements.aud_3).toBe('{"plan":"pro"}');
    expect(filterCondition({}).sql).toBe('TRUE');
  });

  it('escapes LIKE wildcards in a search', () => {
    expect(filterCondition({ q: '100%_x' }).replacements.seg_0).toBe('%100\\%\\_x%');
  });
});

describe('the builder draft', () => {
  it('reads flat form fields back into questions, in order, with repeated band checkboxes', () => {
    const { form, action } = builderFormSchema.parse({
      title: 'T',
      'questions.1.id': 'why',
      'questions.1.type': 'long_text',
      'questions.1.text': 'Why?',
      'questions.1.showIf.bands': ['detractor', 'passive'],
      'questions.0.id': 'nps',
      'questions.0.type': 'nps',
      'questions.0.text': 'Recommend?',
      'questions.0.required': 'on',
    });
    expect(action).toEqual({ kind: 'save' });
    expect(form.questions.map((q) => q.id)).toEqual(['nps', 'why']);
    expect(form.questions[1]!.showIf).toEqual({ bands: ['detractor', 'passive'] });
    expect(surveyQuestionsSchema.safeParse(form.questions).success).toBe(true);
  });

  it('adds questions with a free answer key, and ignores moves past either end', () => {
    const qs = applyAction(
      applyAction([{ id: 'long', type: 'long_text', text: 'x', required: false }], { kind: 'add', type: 'long_text' }),
      { kind: 'add', type: 'long_text' },
    );
    expect(qs.map((q) => q.id)).toEqual(['long', 'long_2', 'long_3']);
    expect(applyAction(qs, { kind: 'up', index: 0 }).map((q) => q.id)).toEqual(['long', 'long_2', 'long_3']);
    expect(applyAction(qs, { kind: 'down', index: 2 }).map((q) => q.id)).toEqual(['long', 'long_2', 'long_3']);
  });

  it('refuses a conditional question when there is no score question to condition on', () => {
    const r = surveyQuestionsSchema.safeParse([
      { id: 'a', type: 'long_text', text: 'x', required: false, showIf: { bands: ['low'] } },
    ]);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toContain('needs a score question');
  });
});
