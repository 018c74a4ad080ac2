import { guessMapping } from '../../src/modules/contacts/import/sniff';

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
