/**
 * Every error a person can cause carries a stable code, an HTTP status and a message they can act on.
 * The one error handler in app.ts turns these into pages (HTML) or JSON; anything else is a 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const unauthenticated = () => new AppError(401, 'unauthenticated', 'Please sign in to continue.');
export const forbidden = (message = 'You are not allowed to do that.') => new AppError(403, 'forbidden', message);
export const notFound = (what = 'page') =>
  new AppError(404, 'not_found', `We could not find that ${what}. Check the link, or start again from the home page.`);
/** The record, or a 404 naming what was looked for (a foreign or vanished id is simply not found). */
export const found = async <T>(lookup: Promise<T | undefined>, what: string): Promise<T> => {
  const record = await lookup;
  if (record === undefined) throw notFound(what);
  return record;
};
export const conflict = (message: string) => new AppError(409, 'conflict', message);
export const gone = (message: string) => new AppError(410, 'gone', message);
export const invalid = (message: string, fields: Record<string, string> = {}) =>
  new AppError(422, 'invalid', message, fields);
