import { guessMapping } from '../../src/modules/contacts/import/sniff';
import { parseAnsweredAt } from '../../src/modules/contacts/import/import.service';

describe('the import recognises the email column by its header name', () => {
  it.each([
    'Email',
    'E-mail',
    'E-mail Address',
    'email_address',
    'EMAIL ADDRESS',
    'Work Email',
    'Courriel',
    'Adresse e-mail',
    'E-Mail-Adresse',
    'Correo electrónico',
  ])('"%s"', (header) => {
    // The column holds nothing that looks like an address yet: only its name can say it.
    const mapping = guessMapping(['Notes', header, 'first_name'], [['hello', '', 'Ada']]);
    expect(mapping[1]).toEqual({ to: 'email' });
    expect(mapping[2]).toEqual({ to: 'first_name' });
    expect(mapping[0]).toEqual({ to: 'property', key: 'Notes' });
  });

  it('does not take a column for the email by a name that only looks like it', () => {
    const mapping = guessMapping(['Emailed on', 'Address'], [['2026-01-01', '1 Main St']]);
    expect(mapping.map((m) => m.to)).toEqual(['property', 'property']);
  });
});

describe('a file of past answers (a Delighted export)', () => {
  it('is read as one only with both a score and a time column; Delighted bookkeeping is left out', () => {
    expect(
      guessMapping(['Response ID', 'Email', 'Score', 'Comment', 'Response Timestamp', 'Plan', 'Notes'], []).map(
        (m) => m.to,
      ),
    ).toEqual(['ignore', 'email', 'score', 'comment', 'answered_at', 'property', 'ignore']);
    expect(guessMapping(['email', 'Rating', 'Notes'], []).map((m) => m.to)).toEqual(['email', 'property', 'property']);
  });

  it.each([
    ['2024-03-01 14:05:00 UTC', '2024-03-01T14:05:00.000Z'],
    ['2024-03-01T14:05:00+01:00', '2024-03-01T13:05:00.000Z'],
    ['2024-03-01', '2024-03-01T00:00:00.000Z'],
    ['1709301900', '2024-03-01T14:05:00.000Z'],
    ['1709301900000', '2024-03-01T14:05:00.000Z'],
  ])('reads the time %s', (raw, iso) => {
    expect(parseAnsweredAt(raw, Date.UTC(2026, 0, 1))).toBe(iso);
  });

  it.each([
    ['03/04/2024', 'Unreadable time'],
    ['2024-02-30', 'Unreadable time'],
    ['1999-12-31', 'before 2000'],
    ['2027-01-01', 'in the future'],
    ['', 'No time on this row'],
  ])('refuses the time "%s", saying why', (raw, why) => {
    expect(parseAnsweredAt(raw, Date.UTC(2026, 0, 1))).toEqual({ reason: expect.stringContaining(why) });
  });
});
