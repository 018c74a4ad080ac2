import pino from 'pino';

export type Logger = pino.Logger;

// The last line of defence, run over every finished log line whatever wrote it (a URL, an SMTP reply, a
// database error quoting a row): email addresses (and so the password of a URL's userinfo) and respondent
// tokens (43 base64url characters, see tokens.ts) never reach the log. Serializers keep headers and bodies
// out (requestLog.ts); this catches what they cannot know about. An address must start after a delimiter:
// without that anchor a long run of letters is retried from every position (quadratic on one hostile URL).
const EMAIL =
  /(?<![^\s"'<>()[\]{},;:\\/@=&?])[^\s"'<>()[\]{},;:\\/@=&?]+(?:@|%40)[^\s"'<>()[\]{},;:\\/@=&?]+\.[A-Za-z]{2,}/gi;
const TOKEN = /(?<![\w-])[\w-]{43}(?![\w-])/g;

export const scrub = (line: string) => line.replace(EMAIL, '[email]').replace(TOKEN, '[token]');

/** JSON lines to stdout (or to `destination`: the tests read a run's logs from it). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: ['password', '*.password', 'req.headers.cookie', 'req.headers.authorization'],
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}
