import type { Question } from './questions';

export type Template = { key: string; title: string; description: string; questions: Question[] };

export const TEMPLATES: Template[] = [
  {
    key: 'how-are-we-doing',
    title: 'How are we doing?',
    description: 'Net Promoter Score (0–10) with an optional "why" — the classic relationship pulse.',
    questions: [
      {
        id: 'nps',
        type: 'nps',
        text: 'How likely are you to recommend us to a friend or colleague?',
        required: true,
        lowLabel: 'Not at all likely',
        highLabel: 'Extremely likely',
      },
      { id: 'reason', type: 'long_text', text: "What's the main reason for your score?", required: false },
    ],
  },
];

export const findTemplate = (key: string) => TEMPLATES.find((t) => t.key === key);
