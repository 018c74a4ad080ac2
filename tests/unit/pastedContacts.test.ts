import { parsePastedContacts } from '../../src/modules/contacts/contacts.schemas';
import { AppError } from '../../src/platform/errors';

describe('pasted "name, email" lines', () => {
  it('reads names (with commas), bare emails, blank lines and mixed case', () => {
    expect(parsePastedContacts('Doe, Jane, Jane@Example.com\n\n  bob@example.com  \r\nAda,ada@example.com')).toEqual([
      { name: 'Doe, Jane', email: 'jane@example.com' },
      { name: '', email: 'bob@example.com' },
      { name: 'Ada', email: 'ada@example.com' },
    ]);
  });

  it('reports every bad line by its number and refuses the whole paste', () => {
    let error: AppError | undefined;
    try {
      parsePastedContacts('ok, ok@example.com\nbroken\nx, dup@example.com\ny, DUP@example.com');
    } catch (err) {
      error = err as AppError;
    }
    expect(error?.status).toBe(422);
    expect(error?.fields.lines).toContain('Line 2:');
    expect(error?.fields.lines).toContain('Line 4: dup@example.com is already on line 3.');
  });

  it('refuses an empty paste', () => {
    expect(() => parsePastedContacts(' \n ')).toThrow('Paste at least one line');
  });
});

describe('pasted "Name <email>" lines, as mail programs copy addresses', () => {
  it('reads the name before the angle brackets, with or without quotes and a trailing comma', () => {
    expect(
      parsePastedContacts('Ada Lovelace <ada@example.com>\n"Hopper, Grace" <Grace@Example.com>,\n<lin@example.com>'),
    ).toEqual([
      { name: 'Ada Lovelace', email: 'ada@example.com' },
      { name: 'Hopper, Grace', email: 'grace@example.com' },
      { name: '', email: 'lin@example.com' },
    ]);
  });

  it('refuses a line whose brackets hold no address, by its number', () => {
    expect(() => parsePastedContacts('ok <ok@example.com>\nBroken <nope>')).toThrow(
      expect.objectContaining({ fields: { lines: expect.stringContaining('Line 2:') } }),
    );
  });
});
