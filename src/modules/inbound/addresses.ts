import type { Db, Tx } from '../../platform/db';
import { hashToken, looksLikeToken, newToken, type Sealer } from '../../platform/tokens';

/**
 * A conversation's reply address, `reply+<token>@<INBOUND_DOMAIN>`: the token is random (256 bits), stored as
 * its hash (to look it up) and sealed with the app key (so every later reply of the conversation carries the
 * same address, as a reminder carries its invitation's link). Nothing about the conversation can be read from
 * it, and nobody can make one up.
 */
export function replyAddresses(db: Db, sealer: Sealer) {
  return {
    /** Gives the conversation its address if it has none yet; called in the transaction that queues a reply. */
    ensure: async (workspaceId: string, responseId: string, tx: Tx) => {
      const token = newToken();
      await db.execute(
        `INSERT INTO reply_addresses (response_id, workspace_id, token_hash, token_sealed)
         VALUES (:responseId, :workspaceId, :tokenHash, :tokenSealed) ON CONFLICT (response_id) DO NOTHING`,
        { responseId, workspaceId, tokenHash: hashToken(token), tokenSealed: sealer.seal(token) },
        tx,
      );
    },
  };
}
export type ReplyAddresses = ReturnType<typeof replyAddresses>;

/** The token of a reply address at our inbound domain, or null (another address, or not a token's shape). */
export function tokenIn(address: string, inboundDomain: string | undefined): string | null {
  if (!inboundDomain) return null;
  const m = /^reply\+([A-Za-z0-9_-]+)@(.+)$/.exec(address.trim());
  if (!m || m[2]!.toLowerCase() !== inboundDomain.toLowerCase() || !looksLikeToken(m[1]!)) return null;
  return m[1]!;
}
