import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { MailTransport } from '../../platform/mail';
import type { Sealer } from '../../platform/tokens';
import {
  delivers,
  OUTBOX_KINDS,
  type AnyOutboxKind,
  type ComposeContext,
  type DeliverContext,
  type HttpSettings,
  type MessageKind,
} from './kinds';

/** A kind that leaves by mail. */
type MailKind = Exclude<AnyOutboxKind, { deliver: unknown }>;
import { outboxRepository, type Claimed } from './outbox.repository';
import { createPacer } from './pacer';
import { backoffSeconds, classify, type SmtpError } from './smtpOutcome';

export type WorkerOptions = {
  db: Db;
  transport: MailTransport;
  sealer: Sealer;
  log: Logger;
  publicUrl: string;
  mailFrom: string;
  /** Address for the mailto: half of List-Unsubscribe; defaults to mailFrom. */
  unsubscribeMailto?: string;
  /** Messages per minute from this process; 0 = no limit. */
  ratePerMinute?: number;
  batchSize?: number;
  /** Messages in flight at once (the SMTP pool has its own connection limit). */
  concurrency?: number;
  leaseSeconds?: number;
  /** The longest one send can take (SMTP timeouts): a claim with less lease left than this is not started. */
  maxSendMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  /** Webhooks: the SSRF policy and the limits of one HTTP attempt (config: WEBHOOKS_*). */
  http?: Partial<HttpSettings>;
  /** Told how each message (or expired claim, kind unknown) ended: for /metrics. */
  onSettled?: (kind: MessageKind | 'unknown', outcome: SendOutcome, count?: number) => void;
};
export type SendOutcome = 'sent' | 'retried' | 'failed' | 'bounced' | 'ambiguous';

/**
 * Drains the outbox (personal replies and alerts first, then invitations, then reminders). Safe to run in
 * every instance at once: claims are exclusive (SKIP LOCKED), each state change is guarded by the state it
 * expects, a send is only started while its lease has room for it, and a claim that outlives its lease
 * becomes "ambiguous" instead of being sent twice.
 */
export function createDeliveryWorker(o: WorkerOptions) {
  const repo = outboxRepository(o.db);
  const batchSize = o.batchSize ?? 50;
  const concurrency = o.concurrency ?? 10;
  const leaseSeconds = o.leaseSeconds ?? 120;
  const maxSendMs = o.maxSendMs ?? Math.min(60_000, leaseSeconds * 500);
  const maxAttempts = o.maxAttempts ?? 6;
  const ctx: ComposeContext = {
    publicUrl: o.publicUrl,
    mailFrom: o.mailFrom,
    unsubscribeMailto: o.unsubscribeMailto ?? o.mailFrom,
    sealer: o.sealer,
    domain: new URL(o.publicUrl).hostname || 'rapport.localhost',
  };
  const deliverCtx: DeliverContext = {
    ...ctx,
    db: o.db,
    http: { allowPrivate: false, timeoutMs: 10_000, maxResponseBytes: 64 * 1024, ...o.http },
  };
  const pacer = createPacer(o.ratePerMinute ?? 0);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopping = false;

  async function sendOne({ kind, row }: Claimed) {
    if (delivers(kind)) return deliverOne(kind, row);
    const messageId = kind.messageId(row, ctx.domain);
    try {
      await o.transport.send({ ...(await kind.compose(row, ctx)), workspaceId: row.workspaceId });
    } catch (err) {
      await settleFailure({ kind, row }, err as SmtpError);
      return;
    }
    await repo.markSent(kind, row.id, messageId);
    o.onSettled?.(kind.kind, 'sent');
  }

  /** A kind that is not mail (a webhook) says how it went; the row is settled the same guarded way. */
  async function deliverOne(kind: Extract<AnyOutboxKind, { deliver: unknown }>, row: Claimed['row']) {
    const result = await kind.deliver(row, deliverCtx);
    if (result.outcome === 'sent') await repo.markSent(kind, row.id, result.messageId);
    else if (result.outcome === 'retry')
      await repo.retryLater(kind, row.id, result.delaySeconds, result.error.slice(0, 500));
    else await repo.markFailed(kind, row.id, 'failed', result.error.slice(0, 500));
    o.onSettled?.(kind.kind, result.outcome === 'retry' ? 'retried' : result.outcome);
  }

  async function settleFailure({ kind, row }: { kind: MailKind; row: Claimed['row'] }, err: SmtpError) {
    const outcome = classify(err);
    const reason = `${err.responseCode ?? err.code ?? 'error'}: ${err.message}`.slice(0, 500);
    if (outcome === 'hard-bounce') await repo.markFailed(kind, row.id, 'bounced', reason, kind.bouncedContactId(row));
    else if (outcome === 'bounce') await repo.markFailed(kind, row.id, 'bounced', reason);
    else if (outcome === 'ambiguous')
      await repo.markFailed(
        kind,
        row.id,
        'ambiguous',
        `The whole message reached the relay but no answer came back; it may or may not have been delivered, so it is not sent again. ${reason}`,
      );
    else if (row.attempts >= maxAttempts) await repo.markFailed(kind, row.id, 'failed', reason);
    else await repo.retryLater(kind, row.id, backoffSeconds(row.attempts), reason);
    const settled = outcome === 'retry' ? (row.attempts >= maxAttempts ? 'failed' : 'retried') : outcome;
    o.onSettled?.(kind.kind, settled === 'hard-bounce' || settled === 'bounce' ? 'bounced' : settled);
    o.log.warn(
      { kind: kind.kind, id: row.id, outcome, code: err.responseCode ?? err.code, attempts: row.attempts },
      'message not sent',
    );
  }

  async function claim(): Promise<Claimed[]> {
    // Never claim more than the rate lets us start well inside the lease.
    const limit = Math.min(batchSize, pacer.allowance(Math.max(1, (leaseSeconds * 1000 - maxSendMs) / 2000)));
    const batch: Claimed[] = [];
    for (const kind of OUTBOX_KINDS)
      if (batch.length < limit) batch.push(...(await repo.claim(kind, limit - batch.length, leaseSeconds)));
    return batch;
  }

  /**
   * Claim and send until nothing is due; returns how many were claimed. `concurrency` lanes take messages
   * from a local queue, and the next batch is claimed while the last few of the current one are on the
   * wire, so the relay never waits on the database. A message only starts while its lease has room for a
   * whole send; whatever cannot start (shutdown, lease too short) goes back to the queue untouched.
   */
  async function drainOnce(): Promise<number> {
    const expired = await repo.markExpiredLeasesAmbiguous();
    if (expired) o.log.warn({ count: expired }, 'claims outlived their lease: recorded as ambiguous, not resent');
    if (expired) o.onSettled?.('unknown', 'ambiguous', expired);
    const queue: { claimed: Claimed; deadline: number }[] = [];
    const unstarted: Claimed[] = [];
    let total = 0;
    let exhausted = false;
    let claiming: Promise<void> | undefined;
    const refill = () =>
      (claiming ??= (async () => {
        const claimedAt = Date.now();
        try {
          const batch = await claim();
          if (!batch.length) exhausted = true;
          total += batch.length;
          for (const claimed of batch) queue.push({ claimed, deadline: claimedAt + leaseSeconds * 1000 - maxSendMs });
        } catch (err) {
          exhausted = true;
          o.log.error({ err }, 'could not claim from the outbox');
        }
      })().finally(() => (claiming = undefined)));

    const lane = async () => {
      for (;;) {
        if (queue.length <= concurrency && !exhausted && !stopping) {
          const pending = refill();
          if (!queue.length) await pending;
        }
        const item = queue.shift();
        if (!item) {
          if (exhausted || stopping) return;
          continue;
        }
        if (stopping || !(await pacer.take()) || stopping || Date.now() > item.deadline) {
          unstarted.push(item.claimed);
          continue;
        }
        try {
          await sendOne(item.claimed);
        } catch (err) {
          // Sent (or not) but not recorded: the row stays 'sending' and its lease will call it ambiguous.
          o.log.error(
            { err, kind: item.claimed.kind.kind, id: item.claimed.row.id },
            'could not record the outcome of a send',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    await claiming;
    unstarted.push(...queue.splice(0).map((i) => i.claimed));
    for (const kind of OUTBOX_KINDS) {
      await repo.release(
        kind,
        unstarted.filter((c) => c.kind === kind).map((c) => c.row.id),
      );
    }
    return total;
  }

  function kick() {
    if (stopping) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drainOnce();
        } catch (err) {
          o.log.error({ err }, 'delivery worker pass failed');
        }
      } while (again && !stopping);
    })().finally(() => (running = undefined));
  }

  return {
    kick,
    drainOnce,
    start() {
      timer = setInterval(kick, o.pollMs ?? 2000);
      timer.unref();
      kick();
    },
    /**
     * Graceful shutdown: stop claiming, let sends already on the wire finish (bounded by the SMTP timeouts),
     * and put every claimed message that has not started back in the queue for another instance.
     */
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      pacer.stop();
      await running;
    },
    /** Waits until the current pass (if any) is over: for tests and the bench. */
    idle: async () => {
      while (running) await running;
    },
  };
}
export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
