import { z } from 'zod';
import { emailAddress } from '../../platform/emailAddress';
import { invalid } from '../../platform/errors';

export const LOCALES = ['en', 'fr', 'de', 'es'] as const;
/** What the locale menus and the contact page show: the language's name, in itself and in English. */
export const LOCALE_NAMES: Record<(typeof LOCALES)[number], string> = {
  en: 'English',
  fr: 'Français (French)',
  de: 'Deutsch (German)',
  es: 'Español (Spanish)',
};
export const STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'suppressed'] as const;
export type ContactStatus = (typeof STATUSES)[number];

export const emailSchema = emailAddress('Enter an email address like name@example.com.');

export const contactSchema = z.object({
  name: z.string().trim().max(120, 'Use at most 120 characters for the name.').default(''),
  email: z.string({ error: 'Email is required.' }).trim().min(1, 'Email is required.').pipe(emailSchema),
});
export type ContactInput = z.infer<typeof contactSchema>;

const LOCALE_WORDS: Record<string, (typeof LOCALES)[number]> = {
  english: 'en',
  anglais: 'en',
  french: 'fr',
  français: 'fr',
  francais: 'fr',
  german: 'de',
  deutsch: 'de',
  allemand: 'de',
  spanish: 'es',
  español: 'es',
  espanol: 'es',
  espagnol: 'es',
};

/** "fr", "fr-FR", "fr_CA", "French" → "fr"; anything else is undefined (unknown). */
export function normalizeLocale(raw: string): (typeof LOCALES)[number] | undefined {
  const v = raw.trim().toLowerCase();
  const m = /^([a-z]{2})(?:[-_][a-z0-9]{2,8})?$/.exec(v);
  if (m && (LOCALES as readonly string[]).includes(m[1]!)) return m[1] as (typeof LOCALES)[number];
  return LOCALE_WORDS[v];
}

export const PROPERTY_KEY = /^[\p{L}\p{N}_][\p{L}\p{N}_ .-]{0,39}$/u;
export const MAX_PROPERTY_VALUE = 500;
export const MAX_TAGS = 30;

export const splitTags = (raw: string) => [
  ...new Set(
    raw
      .split(/[,;|]/)
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  ),
];

const tagsField = z
  .string()
  .default('')
  .transform((v) => splitTags(v))
  .pipe(
    z.array(z.string().max(40, 'Use at most 40 characters per tag.')).max(MAX_TAGS, `Use at most ${MAX_TAGS} tags.`),
  );

/** "key: value" per line; a line without a colon is refused with its number. */
const propertiesField = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const props: Record<string, string> = {};
    raw.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      const cut = line.indexOf(':');
      const key = cut === -1 ? '' : line.slice(0, cut).trim();
      const value = cut === -1 ? '' : line.slice(cut + 1).trim();
      if (!PROPERTY_KEY.test(key))
        ctx.addIssue({
          code: 'custom',
          message: `Line ${i + 1}: write "key: value", with a key of letters, digits, space, _ . - (at most 40).`,
        });
      else if (value.length > MAX_PROPERTY_VALUE)
        ctx.addIssue({
          code: 'custom',
          message: `Line ${i + 1}: a value is at most ${MAX_PROPERTY_VALUE} characters.`,
        });
      else props[key] = value;
    });
    if (Object.keys(props).length > 50) ctx.addIssue({ code: 'custom', message: 'Use at most 50 properties.' });
    return props;
  });

const optionalUuid = (message: string) =>
  z
    .string()
    .trim()
    .default('')
    .transform((v) => v || null)
    .pipe(z.uuid(message).nullable());

/** The contact page's edit form. */
export const contactFormSchema = contactSchema.extend({
  locale: z
    .string()
    .trim()
    .default('')
    .transform((v) => v || null)
    .pipe(z.enum(LOCALES, { error: 'Choose English, French, German or Spanish, or none.' }).nullable()),
  ownerUserId: optionalUuid('Choose a teammate, or nobody.'),
  tags: tagsField,
  properties: propertiesField,
});
export type ContactForm = z.infer<typeof contactFormSchema>;

/** A ticked checkbox sends "on"; anything else is not ticked. */
export const confirmSchema = z.object({
  confirm: z
    .unknown()
    .optional()
    .transform((v) => v === 'on'),
});

export const pastedContactsSchema = z.object({ lines: z.string().default('') });
export const emailListSchema = z.object({ emails: z.string().default('') });

/**
 * Addresses separated by spaces, commas, semicolons or new lines. One that is not an address refuses them all,
 * naming it.
 */
export function parseEmailList(text: string): string[] {
  const emails: string[] = [];
  const bad: string[] = [];
  text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .forEach((raw) => {
      const p = emailSchema.safeParse(raw);
      if (p.success) emails.push(p.data);
      else bad.push(raw.slice(0, 80));
    });
  if (bad.length)
    throw invalid(`Nothing was added: ${bad.length} of these is not an email address.`, {
      emails: `Not an email: ${bad.slice(0, 10).join(', ')}`,
    });
  if (!emails.length)
    throw invalid('Enter at least one email address.', { emails: 'Enter at least one email address.' });
  if (emails.length > 5000)
    throw invalid('Add at most 5,000 addresses at once.', { emails: `${emails.length} addresses.` });
  return [...new Set(emails)];
}

export const MAX_PASTED_LINES = 5000;

/**
 * One pasted line as name and email: "Ada Lovelace <ada@x.com>" (as mail programs copy addresses, quotes and
 * a trailing comma allowed), or "name, email" (the email after the last comma, so "Doe, Jane, jane@x.com"
 * works), or a bare email.
 */
function splitPastedLine(line: string): { name: string; email: string } {
  const angle = /^(.*?)\s*<([^<>]*)>\s*[,;]?$/.exec(line);
  if (angle)
    return {
      name: angle[1]!
        .trim()
        .replace(/,$/, '')
        .replace(/^"(.*)"$/, '$1')
        .trim(),
      email: angle[2]!,
    };
  const cut = line.lastIndexOf(',');
  return { name: cut === -1 ? '' : line.slice(0, cut), email: cut === -1 ? line : line.slice(cut + 1) };
}

/**
 * One contact per line (see splitPastedLine). Every bad line is reported by its number, and one bad line
 * refuses the whole paste.
 */
export function parsePastedContacts(text: string): ContactInput[] {
  const lines = text.split(/\r?\n/);
  const contacts: ContactInput[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const n = i + 1;
    const parsed = contactSchema.safeParse(splitPastedLine(line));
    if (!parsed.success) {
      problems.push(`Line ${n}: ${parsed.error.issues[0]!.message} (${JSON.stringify(line.slice(0, 80))})`);
      return;
    }
    const first = seen.get(parsed.data.email);
    if (first) {
      problems.push(`Line ${n}: ${parsed.data.email} is already on line ${first}.`);
      return;
    }
    seen.set(parsed.data.email, n);
    contacts.push(parsed.data);
  });
  if (problems.length) {
    throw invalid(`Nothing was added: ${problems.length} line${problems.length > 1 ? 's need' : ' needs'} fixing.`, {
      lines: problems.slice(0, 50).join('\n') + (problems.length > 50 ? `\n…and ${problems.length - 50} more.` : ''),
    });
  }
  if (!contacts.length) throw invalid('Paste at least one line: name, email.', { lines: 'No contacts found.' });
  if (contacts.length > MAX_PASTED_LINES) {
    throw invalid(`Paste at most ${MAX_PASTED_LINES} contacts at once.`, { lines: `${contacts.length} lines pasted.` });
  }
  return contacts;
}

/**
 * A contact as another system sends it (the REST API, JSON): the email finds or makes the contact; every other
 * field left out keeps its value, `null` clears it, properties are merged key by key.
 */
export const contactUpsertSchema = z
  .object({
    email: z.string({ error: 'Email is required.' }).pipe(emailSchema),
    name: z.string().trim().max(120, 'Use at most 120 characters for the name.').optional(),
    locale: z.enum(LOCALES, { error: 'Use en, fr, de or es (or null for none).' }).nullable().optional(),
    ownerId: z.uuid('Use the id of a teammate of this workspace (or null for nobody).').nullable().optional(),
    tags: z
      .array(
        z.string().trim().toLowerCase().min(1, 'A tag cannot be empty.').max(40, 'Use at most 40 characters per tag.'),
      )
      .max(MAX_TAGS, `Use at most ${MAX_TAGS} tags.`)
      .optional(),
    properties: z
      .record(
        z.string().regex(PROPERTY_KEY, 'A property name is letters, digits, space, _ . - (at most 40).'),
        z
          .union([
            z.string().max(MAX_PROPERTY_VALUE, `A value is at most ${MAX_PROPERTY_VALUE} characters.`),
            z.number(),
            z.boolean(),
          ])
          .transform(String),
      )
      .refine((p) => Object.keys(p).length <= 50, 'Use at most 50 properties.')
      .optional(),
  })
  .meta({ id: 'ContactInput' });
export type ContactUpsert = z.infer<typeof contactUpsertSchema>;
