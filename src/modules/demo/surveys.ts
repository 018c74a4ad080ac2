import type { Question } from '../surveys';
import { APP_FR, BIKE_ES, EFFORT_DE, RELATIONSHIP, SUPPORT_EN, type Lang, type Mood, type Sentence } from './content';
import type { Random } from './random';

/**
 * The demo's surveys: one per kind of question Rapport asks (NPS, CSAT, CES, rating, choices, open text) and
 * per language, each with the rhythm a real team would send it at. `versions` lists the questions of each
 * version in order: the English NPS survey gained a question mid-year, so "all versions" has a meaning.
 */
export type DemoSurvey = {
  key: string;
  template: string;
  title: string;
  intro: string;
  language: Lang;
  /** The markets (by language) whose customers are asked. */
  audience: Lang;
  versions: { questions: Question[]; fromMonthsAgo: number }[];
  /** When its waves went out, as days before now (oldest first). */
  waveDays: number[];
  /** Share of the audience each wave asks, and share of those who answer. */
  sample: number;
  responseRate: number;
  /** A monthly schedule (created paused) behind its waves, or waves sent by hand by this teammate. */
  schedule?: { cron: string; timeZone: string };
  sentBy: string;
  /** The sentences its comments are made of. */
  comments: Record<Mood, Sentence[]>;
  /** Answers to its other questions (choices, yes/no), given the person's mood. */
  extras?: (rnd: Random, mood: Mood) => Record<string, string | string[]>;
};

const nps = (text: string, low: string, high: string): Question => ({
  id: 'nps',
  type: 'nps',
  text,
  required: true,
  lowLabel: low,
  highLabel: high,
});
const open = (id: string, text: string, extra: Partial<Question> = {}): Question => ({
  id,
  type: 'long_text',
  text,
  required: false,
  ...extra,
});

/** 09:00 UTC on the first of each of the last twelve months, as days before now (the monthly schedule's slots). */
const monthly = (now: Date) =>
  Array.from(
    { length: 12 },
    (_, i) => (now.getTime() - Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11 + i, 1, 9)) / 86_400_000,
  );
const every = (days: number, from: number, to = 3) => {
  const out: number[] = [];
  for (let d = from; d >= to; d -= days) out.push(d);
  return out;
};

export function demoSurveys(now: Date): DemoSurvey[] {
  // This month's slot only once it has had a day to collect answers.
  const months = monthly(now).filter((d) => d >= 1);
  return [
    {
      key: 'nps-en',
      template: 'how-are-we-doing',
      title: 'How are we doing?',
      intro: 'Two quick questions from the Lumen Bikes team. We read every answer.',
      language: 'en',
      audience: 'en',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            nps(
              'How likely are you to recommend Lumen Bikes to a friend or colleague?',
              'Not at all likely',
              'Extremely likely',
            ),
            open('reason', "What's the main reason for your score?"),
          ],
        },
        {
          fromMonthsAgo: 5,
          questions: [
            nps(
              'How likely are you to recommend Lumen Bikes to a friend or colleague?',
              'Not at all likely',
              'Extremely likely',
            ),
            open('reason', "What's the main reason for your score?"),
            {
              id: 'use',
              type: 'single_choice',
              text: 'What do you use your bike for most?',
              required: false,
              choices: ['Commuting', 'Errands and shopping', 'Weekend rides', 'School run'],
            },
          ],
        },
      ],
      waveDays: months,
      sample: 0.7,
      responseRate: 0.42,
      schedule: { cron: '0 9 1 * *', timeZone: 'Europe/London' },
      sentBy: 'owner',
      comments: RELATIONSHIP.en,
      extras: (rnd) => ({
        use: ['Commuting', 'Errands and shopping', 'Weekend rides', 'School run'][rnd.weighted([6, 2, 2, 1])]!,
      }),
    },
    {
      key: 'nps-fr',
      template: 'how-are-we-doing',
      title: 'Comment allons-nous ?',
      intro: "Deux questions rapides de l'équipe Lumen Bikes. Nous lisons chaque réponse.",
      language: 'fr',
      audience: 'fr',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            nps(
              'Quelle est la probabilité que vous recommandiez Lumen Bikes à un proche ?',
              'Pas du tout probable',
              'Très probable',
            ),
            open('reason', 'Quelle est la raison principale de votre note ?'),
          ],
        },
      ],
      waveDays: months,
      sample: 0.7,
      responseRate: 0.38,
      schedule: { cron: '0 9 1 * *', timeZone: 'Europe/Paris' },
      sentBy: 'elodie',
      comments: RELATIONSHIP.fr,
    },
    {
      key: 'nps-de',
      template: 'how-are-we-doing',
      title: 'Wie machen wir uns?',
      intro: 'Zwei kurze Fragen vom Lumen-Bikes-Team. Wir lesen jede Antwort.',
      language: 'de',
      audience: 'de',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            nps(
              'Wie wahrscheinlich ist es, dass Sie Lumen Bikes weiterempfehlen?',
              'Sehr unwahrscheinlich',
              'Sehr wahrscheinlich',
            ),
            open('reason', 'Was ist der wichtigste Grund für Ihre Bewertung?'),
          ],
        },
      ],
      waveDays: months,
      sample: 0.7,
      responseRate: 0.45,
      schedule: { cron: '0 9 1 * *', timeZone: 'Europe/Berlin' },
      sentBy: 'jonas',
      comments: RELATIONSHIP.de,
    },
    {
      key: 'nps-es',
      template: 'how-are-we-doing',
      title: '¿Qué tal lo estamos haciendo?',
      intro: 'Dos preguntas rápidas del equipo de Lumen Bikes. Leemos todas las respuestas.',
      language: 'es',
      audience: 'es',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            nps('¿Qué probabilidad hay de que recomiendes Lumen Bikes a un amigo?', 'Nada probable', 'Muy probable'),
            open('reason', '¿Cuál es el motivo principal de tu puntuación?'),
          ],
        },
      ],
      waveDays: months,
      sample: 0.7,
      responseRate: 0.36,
      schedule: { cron: '0 9 1 * *', timeZone: 'Europe/Madrid' },
      sentBy: 'lucia',
      comments: RELATIONSHIP.es,
    },
    {
      key: 'csat-en',
      template: 'csat',
      title: 'How did we do?',
      intro: 'You contacted our support team recently.',
      language: 'en',
      audience: 'en',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            {
              id: 'csat',
              type: 'csat',
              text: 'How satisfied are you with the help you received?',
              required: true,
              lowLabel: 'Very dissatisfied',
              highLabel: 'Very satisfied',
            },
            open('improve', 'What could we have done better?', { showIf: { bands: ['low'] } }),
            open('reason', 'Anything you would like to add?', { showIf: { bands: ['high'] } }),
          ],
        },
      ],
      waveDays: every(14, 360),
      sample: 0.12,
      responseRate: 0.55,
      sentBy: 'sam',
      comments: SUPPORT_EN,
    },
    {
      key: 'ces-de',
      template: 'ces',
      title: 'Wie einfach war Ihre Reparatur?',
      intro: 'Sie hatten kürzlich einen Reparaturtermin bei uns.',
      language: 'de',
      audience: 'de',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            {
              id: 'ces',
              type: 'ces',
              text: 'Wie einfach war es, Ihr Anliegen zu lösen?',
              required: true,
              lowLabel: 'Sehr schwierig',
              highLabel: 'Sehr einfach',
            },
            open('reason', 'Was hätte es einfacher gemacht?'),
          ],
        },
      ],
      waveDays: every(30, 350, 10),
      sample: 0.25,
      responseRate: 0.5,
      sentBy: 'jonas',
      comments: EFFORT_DE,
    },
    {
      key: 'rating-es',
      template: 'blank',
      title: 'Tu bici Lumen',
      intro: 'Cuéntanos qué tal va tu bici.',
      language: 'es',
      audience: 'es',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            {
              id: 'rating',
              type: 'rating',
              text: '¿Cómo valoras tu bici?',
              required: true,
              lowLabel: 'Muy mal',
              highLabel: 'Excelente',
            },
            {
              id: 'uses',
              type: 'multiple_choice',
              text: '¿Para qué la usas?',
              required: false,
              choices: ['Ir al trabajo', 'Hacer recados', 'Paseos de fin de semana', 'Llevar a los niños'],
            },
            { id: 'again', type: 'yes_no', text: '¿Volverías a elegir Lumen?', required: false },
            open('comment', '¿Algo más que quieras contarnos sobre la bici?'),
          ],
        },
      ],
      waveDays: [335, 245, 155, 65],
      sample: 0.6,
      responseRate: 0.4,
      sentBy: 'lucia',
      comments: BIKE_ES,
      extras: (rnd, mood) => ({
        uses: rnd.sample(
          ['Ir al trabajo', 'Hacer recados', 'Paseos de fin de semana', 'Llevar a los niños'],
          rnd.int(1, 3),
        ),
        again: rnd.chance(mood === 'unhappy' ? 0.3 : mood === 'neutral' ? 0.7 : 0.95) ? 'yes' : 'no',
      }),
    },
    {
      key: 'open-fr',
      template: 'what-do-you-think',
      title: 'Notre nouvelle application',
      intro: "Nous avons lancé une nouvelle application il y a quelques semaines : qu'en pensez-vous ?",
      language: 'fr',
      audience: 'fr',
      versions: [
        {
          fromMonthsAgo: 12,
          questions: [
            {
              id: 'opinion',
              type: 'long_text',
              text: 'Que pensez-vous de notre nouvelle application ?',
              required: true,
            },
            {
              id: 'often',
              type: 'single_choice',
              text: "À quelle fréquence l'utilisez-vous ?",
              required: false,
              choices: ['Tous les jours', 'Chaque semaine', 'Rarement'],
            },
          ],
        },
      ],
      waveDays: [110, 40],
      sample: 0.8,
      responseRate: 0.35,
      sentBy: 'elodie',
      comments: APP_FR,
      extras: (rnd, mood) => ({
        often: ['Tous les jours', 'Chaque semaine', 'Rarement'][
          rnd.weighted(mood === 'unhappy' ? [1, 2, 3] : [5, 3, 1])
        ]!,
      }),
    },
  ];
}
