import type { Db, Tx } from '../../platform/db';
import { AppError, invalid } from '../../platform/errors';
import type { Sealer } from '../../platform/tokens';
import { segmentAudience } from '../contacts';
import { mintTokens } from './mint';
import { wavesRepository, type NewWave } from './waves.repository';

export type OpenedWave = { id: string; recipients: number; throttled: number; suppressed: number; audience: number };
export type WaveCounts = Omit<OpenedWave, 'id'>;

/**
 * A person confirmed a number ("Send now": "Email 12 people"): the wave opens only when someone is to be
 * asked, and no more people than they agreed to. Thrown inside the transaction, so a
 * refused wave writes nothing at all.
 */
function checkConfirmed(confirmed: number, c: WaveCounts) {
  if (c.recipients === 0) throw nobodyToAsk(c);
  if (c.recipients > confirmed)
    throw new AppError(
      409,
      'recipients_changed',
      `${c.recipients} people would be emailed now, not the ${confirmed} you confirmed (contacts changed meanwhile). Check the number and confirm again.`,
    );
}

/** Why a wave would ask nobody, in words. */
export const nobodyToAsk = (c: WaveCounts) =>
  invalid(
    c.audience + c.suppressed === 0
      ? 'Nobody to send to: there are no contacts yet. Add or import contacts first.'
      : `Nobody to send to: ${c.throttled} were asked within the workspace's throttle and ${c.suppressed} are unsubscribed or bounced. Nothing was sent.`,
  );

/**
 * Opens one wave and writes all of its deliveries in the same transaction: either the wave exists with every
 * delivery, or nothing does. For a scheduled slot the wave row is unique per (schedule, slot), so any number
 * of instances may try; the losers get undefined and write nothing.
 */
export async function openWave(
  db: Db,
  sealer: Sealer,
  w: NewWave,
  outer?: Tx,
  confirmed?: number,
): Promise<OpenedWave | undefined> {
  const repo = wavesRepository(db);
  return inTransaction(db, outer, async (tx) => {
    await repo.lockWorkspace(w.workspaceId, tx);
    const id = await repo.insertWave(w, 'open', tx);
    if (!id) return undefined;
    const segment = w.audience.contactId
      ? { sql: 'c.id = :audienceContactId', replacements: { audienceContactId: w.audience.contactId } }
      : w.audience.segmentId
        ? await segmentAudience(db, w.workspaceId, w.audience.segmentId)
        : { sql: 'TRUE', replacements: {} };
    const chosen = await repo.choose(w, segment, tx);
    const ids = chosen.ids ?? [];
    const counts = {
      recipients: ids.length,
      audience: chosen.audience,
      throttled: chosen.throttled,
      suppressed: chosen.suppressed,
    };
    if (confirmed !== undefined) checkConfirmed(confirmed, counts);
    if (ids.length)
      await repo.insertDeliveries(id, w.workspaceId, w.now, { ids, ...mintTokens(ids.length, sealer) }, tx, w.sendAt);
    await repo.setCounts(id, counts, tx);
    return { id, ...counts };
  });
}

/**
 * Who a wave opened now would ask, counted by the same statement that opens one, and nothing written: what a
 * confirmation page says before anyone presses the button.
 */
export async function countWave(db: Db, w: NewWave): Promise<WaveCounts> {
  const repo = wavesRepository(db);
  const segment = w.audience.segmentId
    ? await segmentAudience(db, w.workspaceId, w.audience.segmentId)
    : { sql: 'TRUE', replacements: {} };
  const chosen = await db.transaction((tx) => repo.choose(w, segment, tx));
  return {
    recipients: chosen.ids?.length ?? 0,
    audience: chosen.audience,
    throttled: chosen.throttled,
    suppressed: chosen.suppressed,
  };
}

/** A missed slot that will never be sent: recorded so the schedule's history shows the gap honestly. */
export async function recordSkipped(db: Db, w: NewWave, outer?: Tx): Promise<boolean> {
  const repo = wavesRepository(db);
  return inTransaction(db, outer, async (tx) => (await repo.insertWave(w, 'skipped', tx)) !== undefined);
}

const inTransaction = <T>(db: Db, outer: Tx | undefined, work: (tx: Tx) => Promise<T>) =>
  outer ? work(outer) : db.transaction(work);
