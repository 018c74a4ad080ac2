import { stringify, type Options, type Stringifier } from 'csv-stringify';

/**
 * CSV (formula) injection: a spreadsheet runs a cell that starts with = + - @ (or their full-width forms,
 * which Apple Numbers folds to them), tab or carriage return as a formula — `=HYPERLINK(...)`, `+cmd|...`.
 * Every text cell Rapport writes into a CSV goes through this rule (OWASP "CSV Injection"): such a cell gets
 * a leading apostrophe, which spreadsheets show as text and never evaluate. Numbers written as numbers
 * (a row number, a score) are not text and stay as they are. The survey export (insights/export.ts) hands
 * this same pattern to PostgreSQL, which writes its rows.
 */
export const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** csv-stringify's `cast` option that applies the rule to every string cell (headers are ours). */
export const neutralizingCast: NonNullable<Options['cast']> = { string: (value) => neutralizeCell(value) };

/**
 * The one way Rapport writes CSV: csv-stringify with every string cell neutralised. Pipe it to a response
 * with `pipeline` (or handle its 'error'), like any stream.
 */
export function csvStringifier(options: Omit<Options, 'cast'> = {}): Stringifier {
  return stringify({ ...options, cast: neutralizingCast });
}
