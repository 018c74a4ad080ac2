import { z } from 'zod';
import { textField } from '../../platform/forms';
import { STATUSES, splitTags } from './contacts.schemas';

export const SCORE_BANDS = ['detractor', 'passive', 'promoter', 'low', 'high'] as const;

/**
 * A saved filter over the audience. The same shape filters the contact list (from the query string) and
 * is stored as a segment, so "what you see" is exactly "what you save".
 */
export type ContactFilter = {
  q?: string;
  tags?: string[];
  statuses?: (typeof STATUSES)[number][];
  properties?: { key: string; value?: string }[];
  surveyed?: { op: 'never' | 'within' | 'before'; days?: number };
  bands?: (typeof SCORE_BANDS)[number][];
};

const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

/**
 * From a query string or a form: tag=a,b · status=… · prop=plan:pro (or prop=plan for "has") ·
 * surveyed=within&days=30 · band=…
 */
export const filterFromInput = (input: Record<string, unknown>): ContactFilter => {
  const parsed = filterSchema.safeParse({
    q: typeof input.q === 'string' ? input.q.trim().slice(0, 100) || undefined : undefined,
    tags: list(input.tag).flatMap(splitTags),
    statuses: list(input.status).filter((s) => (STATUSES as readonly string[]).includes(s)),
    properties: list(input.prop)
      .flatMap((p) => p.split(/\r?\n/))
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const cut = p.indexOf(':');
        return cut === -1 ? { key: p } : { key: p.slice(0, cut).trim(), value: p.slice(cut + 1).trim() };
      }),
    surveyed: ['never', 'within', 'before'].includes(String(input.surveyed))
      ? { op: input.surveyed, days: /^\d{1,4}$/.test(String(input.days)) ? Number(input.days) : 30 }
      : undefined,
    bands: list(input.band).filter((b) => (SCORE_BANDS as readonly string[]).includes(b)),
  });
  return parsed.success ? compact(parsed.data) : {};
};

const filterSchema = z.object({
  q: z.string().max(100).optional(),
  tags: z.array(z.string().max(40)).max(10).optional(),
  statuses: z.array(z.enum(STATUSES)).optional(),
  properties: z
    .array(z.object({ key: z.string().min(1).max(40), value: z.string().max(500).optional() }))
    .max(10)
    .optional(),
  surveyed: z
    .object({ op: z.enum(['never', 'within', 'before']), days: z.number().int().min(1).max(3650).optional() })
    .optional(),
  bands: z.array(z.enum(SCORE_BANDS)).optional(),
});

/** The "save as segment" form: a name, and the contact list's filter in hidden fields. */
export const segmentFormSchema = z
  .looseObject({ name: textField })
  .transform(({ name, ...rest }) => ({ name, filter: filterFromInput(rest) }));

/** A stored filter (jsonb) read back safely: anything unknown is dropped, never trusted. */
export const parseStoredFilter = (raw: unknown): ContactFilter => {
  const parsed = filterSchema.safeParse(raw);
  return parsed.success ? compact(parsed.data) : {};
};

function compact(f: ContactFilter): ContactFilter {
  const out: ContactFilter = {};
  if (f.q) out.q = f.q;
  if (f.tags?.length) out.tags = f.tags;
  if (f.statuses?.length) out.statuses = f.statuses;
  if (f.properties?.length) out.properties = f.properties;
  if (f.surveyed) out.surveyed = f.surveyed;
  if (f.bands?.length) out.bands = f.bands;
  return out;
}

export const isEmptyFilter = (f: ContactFilter) => Object.keys(f).length === 0;

/** The filter back as query-string pairs, for links and for the filter form. */
export function filterToQuery(f: ContactFilter): [string, string][] {
  const q: [string, string][] = [];
  if (f.q) q.push(['q', f.q]);
  if (f.tags?.length) q.push(['tag', f.tags.join(', ')]);
  f.statuses?.forEach((s) => q.push(['status', s]));
  f.properties?.forEach((p) => q.push(['prop', p.value === undefined ? p.key : `${p.key}:${p.value}`]));
  if (f.surveyed) {
    q.push(['surveyed', f.surveyed.op]);
    if (f.surveyed.op !== 'never') q.push(['days', String(f.surveyed.days ?? 30)]);
  }
  f.bands?.forEach((b) => q.push(['band', b]));
  return q;
}

export function describeFilter(f: ContactFilter): string {
  const parts: string[] = [];
  if (f.q) parts.push(`matching "${f.q}"`);
  if (f.tags?.length) parts.push(`tagged ${f.tags.join(' and ')}`);
  if (f.statuses?.length) parts.push(`status ${f.statuses.join(' or ')}`);
  f.properties?.forEach((p) => parts.push(p.value === undefined ? `with ${p.key}` : `${p.key} = ${p.value}`));
  if (f.surveyed) {
    parts.push(
      f.surveyed.op === 'never'
        ? 'never surveyed'
        : f.surveyed.op === 'within'
          ? `surveyed in the last ${f.surveyed.days} days`
          : `not surveyed for ${f.surveyed.days} days`,
    );
  }
  if (f.bands?.length) parts.push(`last score ${f.bands.join(' or ')}`);
  return parts.length ? parts.join(', ') : 'everyone';
}

/**
 * The filter as a SQL condition on a contacts alias, with its own named replacements (prefixed so it can
 * sit inside a larger query). Tags and properties use containment (@>, ?) so the GIN indexes answer them.
 * Always also scope the query by workspace: this condition does not.
 */
export function filterCondition(
  f: ContactFilter,
  alias = 'c',
  prefix = 'seg',
): { sql: string; replacements: Record<string, unknown> } {
  const parts: string[] = [];
  const replacements: Record<string, unknown> = {};
  let n = 0;
  const bind = (v: unknown) => {
    const name = `${prefix}_${n++}`;
    replacements[name] = v;
    return `:${name}`;
  };
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const p = bind(like);
    parts.push(`(${alias}.email ILIKE ${p} OR ${alias}.name ILIKE ${p})`);
  }
  if (f.tags?.length) parts.push(`${alias}.tags @> ARRAY[${f.tags.map(bind).join(', ')}]::text[]`);
  if (f.statuses?.length) parts.push(`${alias}.status IN (${f.statuses.map(bind).join(', ')})`);
  for (const p of f.properties ?? []) {
    parts.push(
      p.value === undefined
        ? `${alias}.properties ? ${bind(p.key)}`
        : `${alias}.properties @> ${bind(JSON.stringify({ [p.key]: p.value }))}::jsonb`,
    );
  }
  if (f.surveyed?.op === 'never') parts.push(`${alias}.last_invited_at IS NULL`);
  if (f.surveyed?.op === 'within')
    parts.push(`${alias}.last_invited_at >= now() - make_interval(days => ${bind(f.surveyed.days ?? 30)})`);
  if (f.surveyed?.op === 'before') {
    parts.push(
      `(${alias}.last_invited_at IS NULL OR ${alias}.last_invited_at < now() - make_interval(days => ${bind(f.surveyed.days ?? 30)}))`,
    );
  }
  if (f.bands?.length) parts.push(`${alias}.last_score_band IN (${f.bands.map(bind).join(', ')})`);
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', replacements };
}
