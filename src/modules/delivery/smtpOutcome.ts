/** What nodemailer tells us about a failed send. */
export type SmtpError = Error & { responseCode?: number; code?: string; timeoutType?: string; response?: string };

export type Outcome = 'retry' | 'bounce' | 'hard-bounce' | 'ambiguous';

/**
 * - 5xx: the relay refused for good. A hard bounce (the address itself is bad: enhanced status 5.1.x or
 *   5.2.1, or a bare 550/551/553) also means never asking that contact again; a policy or size refusal does not.
 * - A relay that stopped answering mid-conversation (socket timeout) may already hold the message: ambiguous,
 *   never resent silently.
 * - 4xx and failures to connect: try again later.
 */
export function classify(err: SmtpError): Outcome {
  const code = err.responseCode;
  if (code && code >= 500) {
    const enhanced = /\b5\.(\d{1,3})\.(\d{1,3})\b/.exec(err.response ?? err.message);
    if (enhanced) return enhanced[1] === '1' || (enhanced[1] === '2' && enhanced[2] === '1') ? 'hard-bounce' : 'bounce';
    return [550, 551, 553].includes(code) ? 'hard-bounce' : 'bounce';
  }
  if (code && code >= 400) return 'retry';
  if (err.code === 'ETIMEDOUT' && err.timeoutType === 'SOCKET_TIMEOUT') return 'ambiguous';
  return 'retry';
}

/**
 * Exponential backoff with full jitter (30 s, 1 min, 2 min … capped at an hour), so a struggling relay is not
 * stampeded.
 */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));
  return Math.round(5 + random() * ceiling);
}
