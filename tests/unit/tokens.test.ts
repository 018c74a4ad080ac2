import { createSealer, hashToken, looksLikeToken, newToken } from '../../src/platform/tokens';

describe('response tokens', () => {
  it('are 256 random bits, URL-safe, and different every time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(looksLikeToken(t)).toBe(true);
    expect(Buffer.from([...tokens][0]!, 'base64url')).toHaveLength(32);
  });

  it('hash to a fixed SHA-256 digest for lookup', () => {
    const t = newToken();
    expect(hashToken(t).equals(hashToken(t))).toBe(true);
    expect(hashToken(t)).toHaveLength(32);
  });

  it('seal and open with the app key; another key or a tampered seal cannot open them', () => {
    const t = newToken();
    const a = createSealer('a'.repeat(32));
    const sealed = a.seal(t);
    expect(sealed).not.toContain(t);
    expect(a.open(sealed)).toBe(t);
    expect(() => createSealer('b'.repeat(32)).open(sealed)).toThrow();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA');
    expect(() => a.open(tampered)).toThrow();
  });
});
