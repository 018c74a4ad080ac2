import querystring from 'node:querystring';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from './errors';

/**
 * Control characters are never part of what a person means to type: NUL, the other C0 controls (but tab, line
 * feed and carriage return, which multi-line text uses), DEL and the C1 controls. PostgreSQL cannot store NUL
 * in text or jsonb at all (a 500 before this), and the rest are invisible in every page and email. Lone
 * UTF-16 surrogates cannot be encoded in UTF-8 (jsonb refuses their escapes) and become U+FFFD.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(value: string): string {
  return value.replace(CONTROLS, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Deeper than any form or JSON body of ours; a deeper body is refused instead of walked. */
const MAX_DEPTH = 16;

/**
 * Every string (and key) in a parsed body or query, cleaned in place — objects from body parsers and
 * querystring only. Done at the edge for every request, so no route, schema or query has to remember it.
 */
export function cleanInput<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new AppError(400, 'too_deep', 'That request is nested too deeply for us to read.');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const clean = cleanText(key);
    const inner = cleanInput(record[key], depth + 1);
    if (clean !== key) {
      delete record[key];
      // defineProperty: a key that cleans to "__proto__" stays a plain key, never the object's prototype.
      Object.defineProperty(record, clean, { value: inner, enumerable: true, writable: true, configurable: true });
    } else if (inner !== record[key]) {
      record[key] = inner;
    }
  }
  return value;
}

/** Express's query parser ("simple", node:querystring), with every value cleaned. */
export const cleanQueryParser = (raw: string) => cleanInput(querystring.parse(raw));

type BodyOptions = { limit: string; parameterLimit?: number; json?: boolean };

/**
 * The one way a request body is read (forms, and JSON where allowed): parsed with Express's parsers, then
 * every text value cleaned. The respondent's router, mounted before the rest, uses it too.
 */
export function textBody(o: BodyOptions): RequestHandler[] {
  const parsers: RequestHandler[] = [
    express.urlencoded({ extended: false, limit: o.limit, parameterLimit: o.parameterLimit ?? 1000 }),
  ];
  if (o.json !== false) parsers.push(express.json({ limit: o.limit }));
  parsers.push((req: Request, _res: Response, next: NextFunction) => {
    if (req.body && typeof req.body === 'object') cleanInput(req.body);
    // A body of another type (multipart sent to a form, text/plain, none) is not read here: the route sees
    // an empty form and refuses it field by field, instead of failing on `undefined`.
    else if (req.body === undefined || req.body === null || typeof req.body !== 'object') req.body = {};
    next();
  });
  return parsers;
}
