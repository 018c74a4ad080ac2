import type { NextFunction, Request, RequestHandler, Response } from 'express';
import qs from 'qs';
import { z } from 'zod';
import { parse } from './validation';

/** What a form's view needs around the form (lists, options, the record it edits), besides values and messages. */
export type FormPage = (req: Request, res: Response) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * What the one error handler needs to draw a refused form again; handleForm leaves it in res.locals.form. The
 * route's params go with it: by the time the error handler runs, Express has moved req.params on.
 */
export type RefusedForm = { view: string; page?: FormPage; params: Request['params'] };

/** The refusals a person can fix on the same form; anything else is an error page. */
export const REDRAWN_STATUSES = new Set([400, 401, 409, 413, 422, 429]);

type FormOptions<S extends z.ZodType> = {
  /**
   * The view holding the form. When the input is refused (one of REDRAWN_STATUSES, from the schema, the use case
   * or a `before` middleware), the error handler draws it again with the person's values and a message per field.
   * Without a view, a refusal is an error page.
   */
  view?: string;
  /** Everything else the view needs; loaded only when the form is drawn again. */
  page?: FormPage;
  /** The body's shape. Without one the use case gets the raw body (the respondent's answers: see responses). */
  schema?: S;
  /** Said above the form when the schema refuses the input. */
  message?: string;
  /** Middleware between naming the form and parsing it (a rate limit): its refusals redraw the form too. */
  before?: RequestHandler[];
  /** The use case. Returns where to send the person (303), or nothing when it answered itself. */
  run: (input: z.output<S>, req: Request, res: Response) => Promise<string | void> | string | void;
};

/**
 * One way to handle a form: parse the body with zod → run the use case → redirect; or, refused, the same view
 * again with the person's values and a message per field (drawn by the error handler in app.ts). Routes use it
 * as `r.post(path, ...handleForm({ view, page, schema, run }))`.
 */
export function handleForm<S extends z.ZodType = z.ZodType<Record<string, unknown>>>(
  o: FormOptions<S>,
): RequestHandler[] {
  const name = (req: Request, res: Response, next: NextFunction) => {
    if (o.view) res.locals.form = { view: o.view, page: o.page, params: req.params } satisfies RefusedForm;
    next();
  };
  const handle = async (req: Request, res: Response) => {
    const body: unknown = req.body ?? {};
    const input = (o.schema ? parse(o.schema, body, o.message) : body) as z.output<S>;
    const to = await o.run(input, req, res);
    if (typeof to === 'string') res.redirect(303, to);
  };
  return [name, ...(o.before ?? []), handle];
}

/** The GET of a form's page: the same view and page its refusals are drawn with, with nothing typed yet. */
export const showForm =
  (view: string, page: FormPage) =>
  async (req: Request, res: Response): Promise<void> =>
    res.render(view, { ...(await page(req, res)), values: {}, errors: {} });

/**
 * A form whose field names are paths (`questions.0.text`, `col.3`) as nested objects and arrays, for a schema
 * to read: `z.preprocess(nestedFields, schema)`. Array positions are kept (a missing index stays a hole).
 */
export const nestedFields = (body: unknown): unknown =>
  body && typeof body === 'object'
    ? qs.parse(body as Record<string, string>, { allowDots: true, allowSparse: true, arrayLimit: 100, depth: 4 })
    : body;

/** A text field as sent: the last value when a name is repeated, '' when absent. */
export const lastValue = (v: unknown) =>
  Array.isArray(v) ? String(v[v.length - 1] ?? '') : typeof v === 'string' ? v : '';

/** A text field in a schema: its last value, '' when absent. */
export const textField = z.unknown().optional().transform(lastValue);

/** A repeated field (checkboxes) as a list. */
export const allValues = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
