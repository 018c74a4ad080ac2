import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** helmet's headers as name/value pairs, in the order helmet sets them. */
export type HeaderBlock = readonly (readonly [string, string])[];

/**
 * helmet's headers, worked out once at start. Our options are all static (no per-request CSP nonce), so every
 * response gets the same names and values: helmet is run once against a recording response and its output
 * kept, instead of walking its eleven middlewares and rebuilding the CSP string on every request. The
 * respondent's page writes the block in its one writeHead (responses/respondPage.ts); every other page gets it
 * from `setAll`.
 */
export function securityHeaders(options: HelmetOptions): { block: HeaderBlock; setAll: RequestHandler } {
  const block: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      if (Array.isArray(value)) throw new Error(`helmet set ${name} to a list: not a static header`);
      block.push([name, String(value)]);
    },
    // helmet removes X-Powered-By; the app never sets it (app.disable('x-powered-by')).
    removeHeader: () => undefined,
  };
  let done = false;
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  // helmet answers synchronously; if a version ever stops doing so, fail at start rather than send no headers.
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be precomputed');
  const setAll: RequestHandler = (_req, res, next) => {
    for (const [name, value] of block) res.setHeader(name, value);
    next();
  };
  return { block, setAll };
}
