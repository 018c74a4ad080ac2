import type { Question } from './questions';

export type Template = {
  key: string;
  title: string;
  description: string;
  /** The team names a topic ("our new onboarding") that replaces {topic} in the question texts. */
  needsTopic?: boolean;
  questions: Question[];
};

const why = (text = "What's the main reason for your score?"): Question => ({
  id: 'reason',
  type: 'long_text',
  text,
  required: false,
});

/** The NPS question itself, as both NPS templates ask it. */
const recommend: Question = {
  id: 'nps',
  type: 'nps',
  text: 'How likely are you to recommend us to a friend or colleague?',
  required: true,
  lowLabel: 'Not at all likely',
  highLabel: 'Extremely likely',
};

export const TEMPLATES: Template[] = [
  {
    key: 'how-are-we-doing',
    title: 'How are we doing?',
    description: 'Net Promoter Score (0–10) with an optional "why" — the classic relationship pulse.',
    questions: [recommend, why()],
  },
  {
    key: 'what-do-you-think',
    title: 'What do you think?',
    description: 'One open question about a topic you name — a new feature, a change in pricing, an event.',
    needsTopic: true,
    questions: [{ id: 'opinion', type: 'long_text', text: 'What do you think about {topic}?', required: true }],
  },
  {
    key: 'csat',
    title: 'How did we do?',
    description: 'Customer satisfaction (1–5) after a support interaction, asking what went wrong when it did.',
    questions: [
      {
        id: 'csat',
        type: 'csat',
        text: 'How satisfied are you with the help you received?',
        required: true,
        lowLabel: 'Very dissatisfied',
        highLabel: 'Very satisfied',
      },
      {
        id: 'improve',
        type: 'long_text',
        text: 'What could we have done better?',
        required: false,
        showIf: { bands: ['low'] },
      },
      {
        id: 'reason',
        type: 'long_text',
        text: 'Anything you would like to add?',
        required: false,
        showIf: { bands: ['high'] },
      },
    ],
  },
  {
    key: 'ces',
    title: 'Was it easy?',
    description: 'Customer Effort Score (1–7): how easy it was to get an issue resolved.',
    questions: [
      {
        id: 'ces',
        type: 'ces',
        text: 'How easy was it to get your issue resolved?',
        required: true,
        lowLabel: 'Very difficult',
        highLabel: 'Very easy',
      },
      why('What made it easy or hard?'),
    ],
  },
  {
    key: 'how-can-i-help',
    title: 'How can I help?',
    description: 'NPS (0–10); anyone who scores low is asked, personally, what you could do for them.',
    questions: [
      recommend,
      { id: 'help', type: 'long_text', text: 'How can I help?', required: false, showIf: { bands: ['detractor'] } },
      {
        id: 'reason',
        type: 'long_text',
        text: 'What do you like most about us?',
        required: false,
        showIf: { bands: ['passive', 'promoter'] },
      },
    ],
  },
  {
    key: 'blank',
    title: 'Untitled survey',
    description: 'Start from one open question and build your own.',
    questions: [{ id: 'feedback', type: 'long_text', text: 'What would you like to tell us?', required: true }],
  },
];

export const findTemplate = (key: string) => TEMPLATES.find((t) => t.key === key);

export const instantiate = (t: Template, topic = ''): Question[] =>
  t.questions.map((q) => ({ ...q, text: q.text.replaceAll('{topic}', topic) }));
