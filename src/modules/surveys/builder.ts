import { QUESTION_TYPES, type Band, type Question, type QuestionType } from './questions';

/**
 * The builder works without JavaScript: the whole draft travels in one form, and the add / move / remove
 * buttons post it back to be re-rendered with the change applied. Nothing is saved until "Save".
 * Field names follow the zod paths (questions.0.text) so each error lands next to its field.
 */
export type DraftQuestion = {
  id: string;
  type: string;
  text: string;
  required: boolean;
  lowLabel?: string;
  highLabel?: string;
  choices?: string[];
  showIf?: { bands: string[] };
};

export type DraftForm = {
  title: string;
  intro: string;
  language: string;
  senderUserId: string;
  closesAt: string;
  thankYouUrl: string;
  publicLinkEnabled: boolean;
  questions: DraftQuestion[];
};

export const TYPE_LABELS: Record<QuestionType, string> = {
  nps: 'NPS (0–10)',
  csat: 'CSAT (1–5)',
  ces: 'Customer effort (1–7)',
  rating: 'Rating (1–5)',
  yes_no: 'Yes / no',
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  short_text: 'Short text',
  long_text: 'Long text',
};

export const BAND_LABELS: Record<Band, string> = {
  detractor: 'Detractors (0–6)',
  passive: 'Passives (7–8)',
  promoter: 'Promoters (9–10)',
  low: 'Low scores',
  high: 'High scores',
};

const NEW_TEXT: Record<QuestionType, string> = {
  nps: 'How likely are you to recommend us to a friend or colleague?',
  csat: 'How satisfied are you with us?',
  ces: 'How easy was it to get what you needed?',
  rating: 'How would you rate us?',
  yes_no: 'Did we solve your problem?',
  single_choice: 'Which one fits best?',
  multiple_choice: 'Which of these apply?',
  short_text: 'Anything to add?',
  long_text: 'What could we do better?',
};

type Body = Record<string, unknown>;
const str = (v: unknown) => (Array.isArray(v) ? String(v[v.length - 1] ?? '') : typeof v === 'string' ? v : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

export function readDraftForm(body: Body): DraftForm {
  const indexes = new Set<number>();
  for (const key of Object.keys(body)) {
    const m = /^questions\.(\d{1,2})\.type$/.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  const questions = [...indexes]
    .sort((a, b) => a - b)
    .map((i): DraftQuestion => {
      const f = (name: string) => body[`questions.${i}.${name}`];
      const q: DraftQuestion = {
        id: str(f('id')),
        type: str(f('type')),
        text: str(f('text')),
        required: str(f('required')) === 'on',
      };
      if (f('lowLabel') !== undefined) q.lowLabel = str(f('lowLabel'));
      if (f('highLabel') !== undefined) q.highLabel = str(f('highLabel'));
      if (f('choices') !== undefined)
        q.choices = str(f('choices'))
          .split(/\r?\n/)
          .map((c) => c.trim())
          .filter(Boolean);
      const bands = list(f('showIf.bands'));
      if (bands.length) q.showIf = { bands };
      return q;
    });
  return {
    title: str(body.title),
    intro: str(body.intro),
    language: str(body.language) || 'en',
    senderUserId: str(body.senderUserId),
    closesAt: str(body.closesAt),
    thankYouUrl: str(body.thankYouUrl),
    publicLinkEnabled: str(body.publicLinkEnabled) === 'on',
    questions,
  };
}

export function toDraftForm(s: {
  title: string;
  intro: string;
  language: string;
  senderUserId: string | null;
  closesAt: Date | null;
  thankYouUrl: string | null;
  publicLinkEnabled: boolean;
  questions: Question[];
}): DraftForm {
  return {
    title: s.title,
    intro: s.intro,
    language: s.language,
    senderUserId: s.senderUserId ?? '',
    closesAt: s.closesAt ? new Date(s.closesAt).toISOString().slice(0, 16) : '',
    thankYouUrl: s.thankYouUrl ?? '',
    publicLinkEnabled: s.publicLinkEnabled,
    questions: s.questions.map((q) => ({ ...q, showIf: q.showIf ? { bands: [...q.showIf.bands] } : undefined })),
  };
}

export type BuilderAction =
  | { kind: 'save' }
  | { kind: 'preview' }
  | { kind: 'add'; type: QuestionType }
  | { kind: 'up' | 'down' | 'remove'; index: number };

export function readAction(body: Body): BuilderAction {
  const raw = str(body.action);
  const m = /^(up|down|remove)\.(\d{1,2})$/.exec(raw);
  if (m) return { kind: m[1] as 'up' | 'down' | 'remove', index: Number(m[2]) };
  if (raw === 'add') {
    const type = str(body.addType) as QuestionType;
    return { kind: 'add', type: (QUESTION_TYPES as readonly string[]).includes(type) ? type : 'long_text' };
  }
  return raw === 'preview' ? { kind: 'preview' } : { kind: 'save' };
}

/** Applies add / move / remove to the draft's questions; returns a new list. */
export function applyAction(questions: DraftQuestion[], action: BuilderAction): DraftQuestion[] {
  const qs = [...questions];
  if (action.kind === 'add') {
    const q: DraftQuestion = {
      id: freshId(qs, action.type),
      type: action.type,
      text: NEW_TEXT[action.type],
      required: false,
    };
    if (action.type === 'single_choice' || action.type === 'multiple_choice') q.choices = ['', ''];
    qs.push(q);
  } else if (action.kind === 'remove') {
    qs.splice(action.index, 1);
  } else if (action.kind === 'up' || action.kind === 'down') {
    const j = action.kind === 'up' ? action.index - 1 : action.index + 1;
    if (action.index < qs.length && j >= 0 && j < qs.length) [qs[action.index], qs[j]] = [qs[j]!, qs[action.index]!];
  }
  return qs;
}

function freshId(qs: DraftQuestion[], type: string) {
  const taken = new Set(qs.map((q) => q.id));
  const base = type.replace(/_text$/, '').replace(/_choice$/, '');
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}
