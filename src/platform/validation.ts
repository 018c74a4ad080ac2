import type { z } from 'zod';
import { invalid, notFound } from './errors';

/**
 * Parse input at the edge. Bad input is refused whole, with one message per field that a person can act on.
 */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  message = 'Please correct the highlighted fields.',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.join('.') || '_';
    fields[key] ??= issue.message;
  }
  throw invalid(message, fields);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id from the URL: anything that cannot be one of ours is simply not found (never a database error). */
export function idParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw notFound(what);
  return value.toLowerCase();
}
