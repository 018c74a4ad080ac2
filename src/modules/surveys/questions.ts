/**
 * The shape of a survey's questions, stored as JSON on each survey version. A response keeps the version it
 * was answered on, so these texts and scales never change under an answer.
 */
export type QuestionType = 'nps' | 'long_text';

export type Question = {
  id: string;
  type: QuestionType;
  text: string;
  required: boolean;
  /** Labels under the ends of a scale, e.g. "Not at all likely" / "Extremely likely". */
  lowLabel?: string;
  highLabel?: string;
};

export const isScale = (q: Question) => q.type === 'nps';

export const scaleRange = (q: Question): [number, number] => {
  switch (q.type) {
    case 'nps':
      return [0, 10];
    default:
      throw new Error(`${q.type} is not a scale`);
  }
};

/** The question whose answer is the response's score: the one the email shows as one-click links. */
export const primaryScale = (questions: Question[]) => questions.find(isScale);
