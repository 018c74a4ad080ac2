import crypto from 'node:crypto';
import type { Db } from '../../platform/db';
import { forbidden, found } from '../../platform/errors';
import { hashToken } from '../../platform/tokens';
import { canManage, type User } from '../accounts';
import { record, type Actor } from '../audit';
import type { NewKeyInput } from './keys.schemas';
import { keysRepository } from './keys.repository';

/** "rk_" and 8 characters a person can read on the Settings page to tell keys apart; then 256 random bits. */
const PREFIX_LENGTH = 11;
const KEY_SHAPE = /^rk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/;

export function apiKeysService(db: Db) {
  const repo = keysRepository(db);
  const manager = (actor: User) => {
    if (!canManage(actor)) throw forbidden('Only an owner or admin can manage API keys.');
  };
  return {
    /** A new key: returned once, here; only its SHA-256 and its prefix are kept. */
    async create(actor: User, input: NewKeyInput, from: Actor) {
      manager(actor);
      const key = `rk_${crypto.randomBytes(6).toString('base64url')}_${crypto.randomBytes(32).toString('base64url')}`;
      const prefix = key.slice(0, PREFIX_LENGTH);
      const id = await db.transaction(async (tx) => {
        const made = await repo.create(
          {
            workspaceId: actor.workspaceId,
            name: input.name,
            prefix,
            hash: hashToken(key),
            scopes: input.scopes,
            by: actor.id,
          },
          tx,
        );
        await record(
          db,
          from,
          { action: 'api_key.created', subject: `${input.name} (${prefix}…)`, details: { scopes: input.scopes } },
          tx,
        );
        return made;
      });
      return { id, key, prefix };
    },

    list: repo.list,

    /** Revoked at once: the very next request with it is refused (keys are looked up on every request). */
    async revoke(actor: User, id: string, from: Actor) {
      manager(actor);
      await found(
        repo.exists(actor.workspaceId, id).then((ok) => (ok ? true : undefined)),
        'API key',
      );
      await db.transaction(async (tx) => {
        // Only a key that was live is recorded as revoked (a second click changes nothing).
        if (await repo.revoke(actor.workspaceId, id, tx))
          await record(db, from, { action: 'api_key.revoked', subject: id }, tx);
      });
    },

    /** The live key a request presented, or undefined (unknown, malformed or revoked: all the same to a caller). */
    authenticate: async (presented: string) =>
      KEY_SHAPE.test(presented) ? repo.authenticate(hashToken(presented)) : undefined,
  };
}
export type ApiKeysService = ReturnType<typeof apiKeysService>;
