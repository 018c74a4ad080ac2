import type { Db, Tx } from '../../platform/db';
import type { Sealer } from '../../platform/tokens';
import { segmentAudience } from '../contacts';
import { mintTokens } from './mint';
import { wavesRepository, type NewWave } from './waves.repository';

export type OpenedWave = { id: string; recipients: number; throttled: number; suppressed: number; audience: number };

/**
 * Opens one wave and writes all of its deliveries in the same transaction: either the wave exists with every
 * delivery, or nothing does. For a scheduled slot the wave row is unique per (schedule, slot), so any number
 * of instances may try; the losers get undefined and write nothing.
 */
export async function openWave(db: Db, sealer: Sealer, w: NewWave, outer?: Tx): Promise<OpenedWave | undefined> {
  const repo = wavesRepository(db);
  return inTransaction(db, outer, async (tx) => {
    await repo.lockWorkspace(w.workspaceId, tx);
    const id = await repo.insertWave(w, 'open', tx);
    if (!id) return undefined;
    const segment = w.audience.segmentId
      ? await segmentAudience(db, w.workspaceId, w.audience.segmentId)
      : { sql: 'TRUE', replacements: {} };
    const chosen = await repo.choose(w, segment, tx);
    const ids = chosen.ids ?? [];
    if (ids.length)
      await repo.insertDeliveries(id, w.workspaceId, w.now, { ids, ...mintTokens(ids.length, sealer) }, tx);
    const counts = {
      recipients: ids.length,
      audience: chosen.audience,
      throttled: chosen.throttled,
      suppressed: chosen.suppressed,
    };
    await repo.setCounts(id, counts, tx);
    return { id, ...counts };
  });
}

/** A missed slot that will never be sent: recorded so the schedule's history shows the gap honestly. */
export async function recordSkipped(db: Db, w: NewWave, outer?: Tx): Promise<boolean> {
  const repo = wavesRepository(db);
  return inTransaction(db, outer, async (tx) => (await repo.insertWave(w, 'skipped', tx)) !== undefined);
}

const inTransaction = <T>(db: Db, outer: Tx | undefined, work: (tx: Tx) => Promise<T>) =>
  outer ? work(outer) : db.transaction(work);
