import { parse } from 'csv-parse/sync';
import type { ColumnTarget } from './import.repository';

/** The first bytes of a file tell its encoding; we read UTF-8 (with or without BOM) and plain ASCII only. */
export function encodingProblem(head: Buffer): string | undefined {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return 'This file is saved as UTF-16. Save it again as "CSV UTF-8" and upload that.';
  }
  if (head.subarray(0, 4096).includes(0))
    return 'This does not look like a CSV text file. Export your list as CSV (UTF-8) and upload that.';
  return undefined;
}

const DELIMITERS = [',', ';', '\t', '|'];

/** Excel in much of Europe writes ";" — the delimiter that splits the header line most is the one. */
export function sniffDelimiter(firstLine: string): string {
  let best = ',';
  let most = 0;
  for (const d of DELIMITERS) {
    const n = firstLine.split(d).length - 1;
    if (n > most) [best, most] = [d, n];
  }
  return best;
}

/** Complete lines from the head of the file (the last may be cut mid-way). */
export function sampleRecords(head: string, delimiter: string, complete: boolean): string[][] {
  const cut = complete ? head.length : head.lastIndexOf('\n') + 1;
  try {
    return parse(head.slice(0, cut), {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      to_line: 21,
    }) as string[][];
  } catch {
    return [];
  }
}

/**
 * Header names as people spell them, compared lowercased, without accents, with "-", "_" and "." as spaces:
 * "E-mail Address", "email_address", "Adresse e-mail", "E-Mail-Adresse", "Courriel", "Correo electrónico".
 */
export const headerWords = (h: string) =>
  h
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[-_.]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const ALIASES: [ColumnTarget['to'], RegExp][] = [
  [
    'email',
    /^((primary |work |contact )?e ?mail( address| addr| adresse| adres| id)?|(adresse|direccion|indirizzo) (de )?(e ?mail|courriel|correo electronico)|courriel|correo( electronico)?|mail)$/,
  ],
  ['name', /^(name|full ?name|contact( name)?|nom complet|nombre completo)$/i],
  ['first_name', /^(first ?name|given ?name|pr[eé]nom|vorname|nombre)$/i],
  ['last_name', /^(last ?name|surname|family ?name|nom|nachname|apellidos?)$/i],
  ['locale', /^(locale|language|lang|langue|sprache|idioma)$/i],
  ['owner', /^(owner|account ?owner|account ?manager|csm)$/i],
  ['tags', /^(tags?|labels?|segments?)$/i],
];

/**
 * A history of past answers (Delighted's export: "Score", "Comment", "Response Timestamp"; other tools' spellings):
 * taken as one only when both a score and a time are found, so a contact list with a "Rating" or "Date" column
 * stays a contact list. Delighted's bookkeeping columns are left out rather than made properties.
 */
const HISTORY_ALIASES: [ColumnTarget['to'], RegExp][] = [
  ['score', /^(score|nps|nps score|rating|likelihood to recommend|note|bewertung|puntuacion)$/],
  ['comment', /^(comments?|feedback|verbatim|open feedback|commentaire|kommentar|comentario)$/],
  [
    'answered_at',
    /^(response timestamp|response date|response time|responded at|answered at|submitted at|created at|created|created date|timestamp|date|survey date|date de reponse|datum|fecha)$/,
  ],
  ['ignore', /^(response id|id|survey type|permalink|updated at|updated timestamp|notes?|delighted id)$/],
];

const looksLikeEmails = (values: string[]) => {
  const filled = values.filter((v) => v.trim());
  return (
    filled.length > 0 && filled.filter((v) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.trim())).length / filled.length >= 0.6
  );
};

export const propertyKey = (header: string) => header.trim().replace(/\s+/g, ' ').slice(0, 40) || 'column';

/** A first guess at the mapping, from header names and, for email, from what the column holds. */
export function guessMapping(headers: string[], rows: string[][]): ColumnTarget[] {
  const used = new Set<string>();
  const mapping: ColumnTarget[] = headers.map((h) => {
    const words = headerWords(h);
    const hit = ALIASES.find(([to, re]) => !used.has(to) && re.test(words));
    if (hit) {
      used.add(hit[0]);
      return { to: hit[0] } as ColumnTarget;
    }
    return { to: 'property', key: propertyKey(h) };
  });
  if (!used.has('email')) {
    const i = headers.findIndex((_, col) => looksLikeEmails(rows.map((r) => r[col] ?? '')));
    if (i !== -1) mapping[i] = { to: 'email' };
  }
  const history = headers.map((h) => {
    const words = headerWords(h);
    return HISTORY_ALIASES.find(([, re]) => re.test(words))?.[0];
  });
  if (history.includes('score') && history.includes('answered_at')) {
    const taken = new Set<string>();
    history.forEach((to, i) => {
      if (!to || mapping[i]!.to !== 'property' || (to !== 'ignore' && taken.has(to))) return;
      taken.add(to);
      mapping[i] = { to } as ColumnTarget;
    });
  }
  return mapping;
}
