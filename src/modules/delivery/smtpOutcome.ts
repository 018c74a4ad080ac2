import type { SendFailure } from '../../platform/mail';

/** What the transport tells us about a failed send (`afterData` unknown for a failure outside it). */
export type SmtpError = Partial<SendFailure> & Error;

export type Outcome = 'retry' | 'bounce' | 'hard-bounce' | 'ambiguous';

/**
 * - 5xx: the relay refused for good. A hard bounce (the address itself is bad: enhanced status 5.1.x or
 *   5.2.1, or a bare 550/551/553) also means never asking that contact again; a policy or size refusal does not.
 * - 4xx: try again later (an answer, even to the end of the message, means the relay did not take it).
 * - No answer after the whole message and its end-of-data mark were written (the relay dropped the connection
 *   or went silent): it may already hold the message, so ambiguous, never resent.
 * - No answer before that (refused or silent at connect, greeting, MAIL, RCPT or DATA): nothing was
 *   delivered, so try again later.
 */
export function classify(err: SmtpError): Outcome {
  const code = err.responseCode;
  if (code && code >= 500) {
    const enhanced = /\b5\.(\d{1,3})\.(\d{1,3})\b/.exec(err.response ?? err.message);
    if (enhanced) return enhanced[1] === '1' || (enhanced[1] === '2' && enhanced[2] === '1') ? 'hard-bounce' : 'bounce';
    return [550, 551, 553].includes(code) ? 'hard-bounce' : 'bounce';
  }
  if (code && code >= 400) return 'retry';
  return err.afterData ? 'ambiguous' : 'retry';
}

/**
 * Exponential backoff with full jitter (30 s, 1 min, 2 min … capped at an hour), so a struggling relay is not
 * stampeded.
 */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));
  return Math.round(5 + random() * ceiling);
}
