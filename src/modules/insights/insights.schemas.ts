import { z } from 'zod';

export const GRAINS = ['day', 'week', 'month', 'quarter'] as const;
export type Grain = (typeof GRAINS)[number];
export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;

const blank = (v: unknown) => (v === '' ? undefined : v);

const isoDate = (label: string) =>
  z
    .string({ error: `${label}: use a date like 2026-01-31.` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label}: use a date like 2026-01-31.`)
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && s >= '2000-01-01' && s <= '2999-12-31';
    }, `${label}: that date does not exist.`);

/**
 * The filters every insights view takes from its URL. Each is optional; a value that cannot be meant is
 * refused with a message saying what to write (422), never silently dropped: a reader must not mistake an
 * unfiltered number for a filtered one.
 */
export const filtersSchema = z
  .object({
    from: z.preprocess(blank, isoDate('From').optional()),
    to: z.preprocess(blank, isoDate('To').optional()),
    version: z.preprocess(
      blank,
      z.coerce
        .number({ error: 'Version: choose one from the list.' })
        .int('Version: choose one from the list.')
        .min(1, 'Version: choose one from the list.')
        .max(9999, 'Version: choose one from the list.')
        .optional(),
    ),
    segment: z.preprocess(blank, z.uuid('Segment: choose one from the list.').optional()),
    tag: z.preprocess(
      blank,
      z
        .string({ error: 'Tag: write one tag.' })
        .trim()
        .max(40, 'Tag: use at most 40 characters.')
        .optional()
        .transform((v) => v || undefined),
    ),
    prop: z.preprocess(
      blank,
      z
        .string({ error: 'Property: write it as key:value, e.g. plan:pro.' })
        .trim()
        .max(541, 'Property: use at most 40 characters for the key and 500 for the value.')
        .regex(/^[^:]{1,40}:.{0,500}$/s, 'Property: write it as key:value, e.g. plan:pro.')
        .optional()
        .transform((v) => {
          if (!v) return undefined;
          const cut = v.indexOf(':');
          return { key: v.slice(0, cut).trim(), value: v.slice(cut + 1).trim() };
        }),
    ),
    owner: z.preprocess(blank, z.uuid('Owner: choose a teammate from the list.').optional()),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, {
    message: 'The "from" date is after the "to" date.',
    path: ['to'],
  });
export type Filters = z.infer<typeof filtersSchema>;

export const grainSchema = z.preprocess(
  blank,
  z.enum(GRAINS, { error: 'Show by day, week, month or quarter.' }).optional(),
);

/** A keyset cursor: (submitted_at as text, id). Anything else is refused. */
export const cursorSchema = z.preprocess(
  blank,
  z
    .string({ error: 'That page link is broken: go back to the first page.' })
    .max(200, 'That page link is broken: go back to the first page.')
    .transform((raw, ctx) => {
      try {
        const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
        if (
          typeof at === 'string' &&
          !Number.isNaN(Date.parse(at)) &&
          typeof id === 'string' &&
          /^[0-9a-f-]{36}$/.test(id)
        )
          return { at, id };
      } catch {
        // refused below
      }
      ctx.addIssue({ code: 'custom', message: 'That page link is broken: go back to the first page.' });
      return z.NEVER;
    })
    .optional(),
);
export const encodeCursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');

export const searchSchema = z.preprocess(
  blank,
  z
    .string({ error: 'Search: write a few words.' })
    .trim()
    .max(200, 'Search: use at most 200 characters.')
    .optional()
    .transform((v) => v || undefined),
);

export const questionIdSchema = z
  .string({ error: 'Choose an open question of this survey.' })
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'Choose an open question of this survey.');

export const compareSchema = z.object({
  a: z.uuid('Choose the first segment from the list.'),
  b: z.uuid('Choose the second segment from the list.'),
});
