import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { notFound } from '../../platform/errors';
import { parse } from '../../platform/validation';
import { requireScope } from './auth';
import type { ApiKey, Scope } from './keys.repository';

/**
 * One endpoint of the API, declared once: its path, scope and zod schemas. The same declaration mounts the
 * route (the schemas parse every request) and writes the OpenAPI document (the schemas become its JSON Schema),
 * so the document cannot drift from what the API accepts and answers.
 */
export type Endpoint = {
  method: 'get' | 'post' | 'delete';
  /** Express form (`/api/v1/contacts/:id`); the document writes `{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  scope: Scope;
  /** Path parameters; a value that does not fit is a 404 (no such thing), never a 422. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Honours the Idempotency-Key header (see idempotency.ts). */
  idempotent?: boolean;
  /** The answers it gives besides the shared refusals (401, 403, 422, 429, 503). */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handle: (input: {
    params: Record<string, string>;
    query: unknown;
    body: unknown;
    key: ApiKey;
    req: Request;
  }) => Promise<{ status: number; body?: unknown }>;
};

/** Declares an endpoint with its inputs typed from its schemas. */
export function endpoint<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  e: Omit<Endpoint, 'handle' | 'params' | 'query' | 'body'> & {
    params?: P;
    query?: Q;
    body?: B;
    handle: (input: {
      params: P extends z.ZodObject ? z.output<P> : Record<string, never>;
      query: Q extends z.ZodObject ? z.output<Q> : Record<string, never>;
      body: B extends z.ZodType ? z.output<B> : undefined;
      key: ApiKey;
      req: Request;
    }) => Promise<{ status: number; body?: unknown }>;
  },
): Endpoint {
  return e as unknown as Endpoint;
}

export type Result = { status: number; body?: unknown; headers?: Record<string, string> };
/** Wraps a use case's run (idempotency.ts): may answer without running it. */
export type Runner = (e: Endpoint, req: Request, run: () => Promise<Result>) => Promise<Result>;

/** Mounts the endpoints on a router: scope, then parse params → query → body, then the use case. */
export function mount(endpoints: Endpoint[], around: Runner) {
  const r = Router();
  for (const e of endpoints) {
    r[e.method](e.path, requireScope(e.scope), async (req: Request, res: Response) => {
      const params = e.params ? e.params.safeParse(req.params) : undefined;
      if (params && !params.success) throw notFound(e.tag.toLowerCase().replace(/s$/, ''));
      const query = e.query ? parse(e.query, req.query ?? {}, 'Please correct the query parameters.') : {};
      const body = e.body ? parse(e.body, req.body ?? {}, 'Please correct the highlighted fields.') : undefined;
      const out = await around(e, req, () =>
        e.handle({ params: (params?.data ?? {}) as Record<string, string>, query, body, key: req.apiKey!, req }),
      );
      if (out.headers) res.set(out.headers);
      if (out.body === undefined) res.status(out.status).end();
      else res.status(out.status).json(out.body);
    });
  }
  return r;
}
