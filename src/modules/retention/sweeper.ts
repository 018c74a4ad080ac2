import type { Db } from '../../platform/db';
import { auditLog } from '../audit';
import { followupsRetention } from '../followups';
import { responsesRetention } from '../responses';
import { webhooksRetention } from '../webhooks';
import { retentionRepository } from './retention.repository';

export type SweepOptions = {
  /** Answers per transaction: short transactions, so respondents and dashboards never wait on a sweep. */
  batchSize?: number;
  /** Batches per workspace per tick: a large backlog is worked off over several minutes, not in one go. */
  maxBatches?: number;
  /** Webhook messages are kept this many days (WEBHOOK_RETENTION_DAYS), then deleted once settled. */
  webhookDays?: number;
};

/**
 * The minute job: for every workspace with a retention policy, anonymises or deletes the answers past it,
 * oldest first, in batches (a deleting policy also takes answers an earlier policy anonymised). Safe on every
 * instance at once: each batch locks its answers with FOR UPDATE SKIP LOCKED, so two instances take different
 * answers and none is done twice; an answer marked anonymised leaves the sweep's index and is never picked
 * again. Returns how many answers it changed. The audit log's retention rides on the same tick.
 */
export function retentionSweeper(db: Db, opts: SweepOptions = {}) {
  const { batchSize = 500, maxBatches = 20, webhookDays = 30 } = opts;
  const policies = retentionRepository(db);
  const responses = responsesRetention(db);
  const followups = followupsRetention(db);
  const webhooks = webhooksRetention(db);
  const audit = auditLog(db);

  async function batch(workspaceId: string, action: 'anonymise' | 'delete', before: Date) {
    return db.transaction(async (tx) => {
      const ids = await responses.due(workspaceId, before, batchSize, tx, { anonymisedToo: action === 'delete' });
      if (!ids.length) return 0;
      if (action === 'delete') return responses.remove(workspaceId, ids, tx);
      // The team's words about the person go with the person (a deleted answer takes them by cascade).
      await followups.forget(workspaceId, ids, tx);
      return responses.anonymise(workspaceId, ids, tx);
    });
  }

  /** Settled webhook messages past their keeping, the same way: short batches, SKIP LOCKED, any instance. */
  const webhookBatch = (before: Date) =>
    db.transaction(async (tx) => {
      const ids = await webhooks.due(before, batchSize, tx);
      return ids.length ? webhooks.remove(ids, tx) : 0;
    });

  /** Webhook messages older than `webhookDays` (the database's clock), every delivery settled: how many went. */
  async function sweepWebhooks() {
    const cutoff = await db.one<{ at: Date }>(`SELECT now() - make_interval(days => :days) AS at`, {
      days: webhookDays,
    });
    let removed = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await webhookBatch(cutoff!.at);
      removed += n;
      if (n < batchSize) break;
    }
    return removed;
  }

  return {
    /**
     * Audit entries past their workspace's `audit_retention_days` (audit's purge, SKIP LOCKED too), answers past
     * their workspace's policy (how many were changed), then webhook messages past their days.
     */
    async tick() {
      await audit.purge({ batchSize: batchSize * 2, maxBatches });
      let changed = 0;
      for (const p of await policies.due()) {
        for (let i = 0; i < maxBatches; i++) {
          const n = await batch(p.workspaceId, p.action, p.before);
          changed += n;
          if (n < batchSize) break;
        }
      }
      await sweepWebhooks();
      return changed;
    },
    webhooks: sweepWebhooks,
  };
}
