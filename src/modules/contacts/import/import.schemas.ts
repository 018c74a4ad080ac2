import { z } from 'zod';
import { lastValue, nestedFields, textField } from '../../../platform/forms';
import { splitTags } from '../contacts.schemas';
import type { ColumnTarget } from './import.repository';
import { propertyKey } from './sniff';

export const TARGETS = [
  'email',
  'name',
  'first_name',
  'last_name',
  'locale',
  'owner',
  'tags',
  'property',
  'score',
  'comment',
  'answered_at',
  'ignore',
] as const;
export const TARGET_LABELS: Record<(typeof TARGETS)[number], string> = {
  email: 'Email',
  name: 'Name',
  first_name: 'First name',
  last_name: 'Last name',
  locale: 'Locale (en, fr, de, es)',
  owner: 'Owner (teammate email or name)',
  tags: 'Tags (comma-separated)',
  property: 'Property',
  score: 'Score (a past answer)',
  comment: 'Comment (of that answer)',
  answered_at: 'Answered at (date and time)',
  ignore: 'Do not import',
};

/** What one column's fields say: `col.N` (what it becomes, anything unknown is "ignore") and `key.N`. */
const columns = z
  .unknown()
  .optional()
  .transform((v) => (Array.isArray(v) ? v : []));

/** The mapping form: `col.N` and `key.N` for each column of the file, tags to add, and the button pressed. */
export const mappingFormSchema = z
  .preprocess(
    nestedFields,
    z.object({ col: columns, key: columns, addTags: textField, action: textField, survey: textField }),
  )
  .transform(({ col, key, addTags, action, survey }) => ({
    columns: { to: col.map(lastValue), key: key.map(lastValue) },
    addTags,
    tags: splitTags(addTags).slice(0, 10),
    action,
    // The survey a history of past answers goes into (checked against the workspace's surveys when it starts).
    survey: survey || null,
  }));

/** The form's columns over the file's headers: a property is named by its field, else by its header. */
export function toMapping(c: { to: string[]; key: string[] }, headers: string[]): ColumnTarget[] {
  return headers.map((h, i) => {
    const to = (TARGETS as readonly string[]).includes(c.to[i] ?? '')
      ? (c.to[i] as (typeof TARGETS)[number])
      : 'ignore';
    return to === 'property' ? { to, key: propertyKey(c.key[i] || h) } : ({ to } as ColumnTarget);
  });
}
