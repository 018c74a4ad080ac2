import crypto from 'node:crypto';

/** A random URL-safe token: 32 bytes = 256 bits of entropy. */
export const newToken = () => crypto.randomBytes(32).toString('base64url');

/** What we store and look up: never the token itself. */
export const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest();

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
export const looksLikeToken = (token: string) => TOKEN_SHAPE.test(token);

/**
 * Seal a token with the app key (AES-256-GCM) so the worker can put the same link in a reminder. A copy of
 * the database without the key yields no working link.
 */
export function createSealer(secretKey: string) {
  const key = crypto.createHash('sha256').update(`rapport:seal:${secretKey}`).digest();
  return {
    seal(plain: string): string {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed: string): string {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
export type Sealer = ReturnType<typeof createSealer>;
