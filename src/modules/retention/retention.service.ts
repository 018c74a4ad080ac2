import type { Db } from '../../platform/db';
import { forbidden } from '../../platform/errors';
import { can, type User } from '../accounts';
import { retentionRepository } from './retention.repository';
import type { RetentionInput } from './retention.schemas';

export function retentionService(db: Db) {
  const repo = retentionRepository(db);
  return {
    policy: repo.find,

    /** Owners and admins decide how long answers are kept; no months means forever (the default). */
    async setPolicy(actor: User, input: RetentionInput) {
      if (!can(actor.role, 'workspace'))
        throw forbidden('Only an owner or admin can change how long answers are kept.');
      if (input.months === undefined) await repo.remove(actor.workspaceId);
      else await repo.save(actor.workspaceId, { months: input.months, action: input.action }, actor.id);
    },
  };
}
export type RetentionService = ReturnType<typeof retentionService>;
