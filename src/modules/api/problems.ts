import type { NextFunction, Request, Response } from 'express';
import { isDatabaseUnavailable } from '../../platform/dbErrors';
import { AppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';

/**
 * Every refusal of the API, by its stable code: the `type` of an RFC 9457 problem is `/api/v1/docs#<code>`
 * (relative to Rapport's own URL; the docs page has an anchor for each), and its title. A client branches on
 * `type`, never on the wording of `detail`.
 */
export const PROBLEMS: Record<string, string> = {
  unauthenticated: 'No API key was sent',
  invalid_key: 'The API key is unknown or revoked',
  insufficient_scope: 'The API key lacks the scope this needs',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  invalid: 'The request has invalid fields',
  malformed_json: 'The body is not valid JSON',
  too_large: 'The request is too large',
  too_deep: 'The request is nested too deeply',
  conflict: 'Conflict with the current state',
  idempotency_key_reused: 'The Idempotency-Key was used for a different request',
  rate_limited: 'Too many requests for this key',
  unavailable: 'The database is unavailable',
  bad_request: 'The request could not be read',
  internal: 'Internal error',
};

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The first wrong field (a body or query field's path, e.g. `properties.plan`), when a field is wrong. */
  field?: string;
  errors?: { field: string; message: string }[];
};

const typeOf = (code: string) => `/api/v1/docs#${code in PROBLEMS ? code : 'bad_request'}`;

type HttpishError = Error & { status?: number; statusCode?: number; type?: string; code?: string };

/** Any error as the AppError a client can act on; an unknown error is a 500. */
export function toApiError(err: HttpishError): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err))
    return new AppError(503, 'unavailable', 'The database cannot be reached just now. Retry in a moment.');
  if (err.type === 'entity.parse.failed')
    return new AppError(400, 'malformed_json', `The body is not valid JSON: ${err.message}`);
  if (err.type === 'entity.too.large')
    return new AppError(413, 'too_large', 'The body is larger than the API accepts (1 MB). Send less at once.');
  const status = err.status ?? err.statusCode;
  if (status && status >= 400 && status < 500)
    return new AppError(status, 'bad_request', 'The request could not be read. Check its content type and encoding.');
  return new AppError(500, 'internal', 'Something broke on our side; nothing you sent is at fault. Retry in a moment.');
}

export function problemOf(err: AppError): Problem {
  const errors = Object.entries(err.fields).map(([field, message]) => ({ field, message }));
  return {
    type: typeOf(err.code),
    title: PROBLEMS[err.code] ?? PROBLEMS.bad_request!,
    status: err.status,
    detail: err.message,
    ...(errors.length ? { field: errors[0]!.field, errors } : {}),
  };
}

/** The API's error handler: application/problem+json, never an HTML page, never a stack trace. */
export const problemHandler =
  (log: Logger) =>
  (raw: HttpishError, req: Request, res: Response, _next: NextFunction): void => {
    const err = toApiError(raw);
    if (err.status >= 500) (req.log ?? log).error({ err: raw }, 'api request failed');
    if (res.headersSent) return;
    res
      .status(err.status)
      .type('application/problem+json')
      .send(JSON.stringify(problemOf(err)));
  };
