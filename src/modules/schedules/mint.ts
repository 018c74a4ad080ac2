import crypto from 'node:crypto';
import type { Sealer } from '../../platform/tokens';

/**
 * Link tokens for a whole wave at once: one call to the random source for all of them, then per token its
 * SHA-256 (what lookups use) and its sealed copy (what a reminder re-renders). Same tokens as newToken().
 */
export function mintTokens(n: number, sealer: Sealer) {
  const random = crypto.randomBytes(32 * n);
  const hashes: Buffer[] = new Array(n);
  const sealed: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const token = random.subarray(i * 32, i * 32 + 32).toString('base64url');
    hashes[i] = crypto.createHash('sha256').update(token, 'utf8').digest();
    sealed[i] = sealer.seal(token);
  }
  return { hashes, sealed };
}
