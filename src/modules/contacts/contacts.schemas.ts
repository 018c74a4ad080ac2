import { z } from 'zod';
import { invalid } from '../../platform/errors';

export const emailSchema = z.string().trim().toLowerCase().max(254, 'Email addresses are at most 254 characters.').pipe(z.email('Enter an email address like name@example.com.'));

export const contactSchema = z.object({
  name: z.string().trim().max(120, 'Use at most 120 characters for the name.').default(''),
  email: z.string({ error: 'Email is required.' }).trim().min(1, 'Email is required.').pipe(emailSchema),
});
export type ContactInput = z.infer<typeof contactSchema>;

export const MAX_PASTED_LINES = 5000;

/**
 * "name, email" per line (the email is after the last comma, so "Doe, Jane, jane@x.com" works; a bare
 * email is fine too). Every bad line is reported by its number, and one bad line refuses the whole paste.
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
    const cut = line.lastIndexOf(',');
    const candidate = { name: cut === -1 ? '' : line.slice(0, cut), email: cut === -1 ? line : line.slice(cut + 1) };
    const parsed = contactSchema.safeParse(candidate);
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
