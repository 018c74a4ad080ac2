import http from 'node:http';
import https from 'node:https';
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
  type Delivered,
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
  /** Personal replies carry the conversation's reply address at this domain (config: INBOUND_DOMAIN). */
  inboundDomain?: string;
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

/** A counting semaphore: `take` waits for one of `n` slots, `give` hands it to the next waiter. */
function createSlots(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    take: () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve))),
    give() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/**
 * Drains the outbox (personal replies and alerts first, then invitations, then reminders). Safe to run in
 * every instance at once: claims are exclusive (SKIP LOCKED), each state change is guarded by the claim it
 * expects, a send is only started while its lease has room for it, and a claim that outlives its lease goes
 * back to the queue if its message never entered an SMTP transaction, or becomes "ambiguous" if it did,
 * instead of being sent twice.
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
    inboundDomain: o.inboundDomain,
  };
  // Kept-alive connections for webhooks, at most one per lane to an origin; every new socket is opened through
  // the SSRF guard (see webhooks/post.ts). An idle one is closed after a few seconds, before most receivers'
  // own keep-alive timeout (5 s in Node) would close it under a request.
  const agentOptions = { keepAlive: true, maxSockets: concurrency, timeout: 4_000 };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const deliverCtx: DeliverContext = {
    ...ctx,
    db: o.db,
    http: { allowPrivate: false, timeoutMs: 10_000, maxResponseBytes: 64 * 1024, agents, ...o.http },
  };
  const pacer = createPacer(o.ratePerMinute ?? 0);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopping = false;

  /**
   * At most one message per SMTP connection is recorded as inside its transaction: a slot is taken before
   * the start is recorded and given back once the outcome is. A connection that is already free while its
   * last message's outcome is being written starts the next one (its envelope goes out), but that message's
   * body waits for the slot. So a crash leaves at most `transport.connections` messages ambiguous.
   */
  const transactions = createSlots(o.transport.connections);
  /** Outcomes of delivering kinds still being written (see deliverOne). */
  const settling = createSlots(concurrency);
  const unsettled = new Set<Promise<void>>();

  async function sendOne(claimed: Claimed) {
    const { kind, row } = claimed;
    if (delivers(kind)) return deliverOne(claimed, kind);
    const messageId = kind.messageId(row, ctx.domain);
    // Taken once per send, though the pool may start the transaction twice (a reused connection found dead).
    let slot: Promise<void> | undefined;
    let taken = false;
    try {
      try {
        await o.transport.send(
          { ...(await kind.compose(row, ctx)), workspaceId: row.workspaceId },
          {
            // Committed before the body may go out: after a crash, a claim without it reached no relay.
            onTransaction: async () => {
              await (slot ??= transactions.take());
              if (await repo.markStarted(claimed)) return;
              taken = true;
              throw new Error('The claim on this message was taken back (its lease ran out); not sent from here.');
            },
          },
        );
      } catch (err) {
        if (taken) {
          // Not ours any more: whoever holds it now (the queue, or another worker) settles it.
          o.log.warn({ kind: kind.kind, id: row.id }, 'claim taken back before its message started: not sent');
          return;
        }
        await settleFailure(claimed, err as SmtpError);
        return;
      }
      await repo.markSent(claimed, messageId);
      o.onSettled?.(kind.kind, 'sent');
    } finally {
      // A slot still awaited (the send failed first) is given back as soon as it comes.
      if (slot) void slot.then(() => transactions.give());
    }
  }

  /**
   * A kind that is not mail (a webhook) says how it went; the row is settled the same guarded way. It is marked
   * started just before its attempt, so a crash during the attempt leaves it ambiguous, never sent twice blindly.
   */
  async function deliverOne(claimed: Claimed, kind: Extract<AnyOutboxKind, { deliver: unknown }>) {
    if (!(await repo.markStarted(claimed))) return;
    const result = await kind.deliver(claimed.row, deliverCtx);
    // The lane goes on to its next message while this outcome is written (its commit is the slow part), with at
    // most `concurrency` outcomes waiting to be written: a crash leaves at most twice the lanes started and
    // unsettled (ambiguous), and a pass ends only once every outcome is written.
    await settling.take();
    const written = settleDelivered(claimed, result)
      .then(() => o.onSettled?.(kind.kind, result.outcome === 'retry' ? 'retried' : result.outcome))
      .catch((err: unknown) =>
        o.log.error({ err, kind: kind.kind, id: claimed.row.id }, 'could not record the outcome of a send'),
      )
      .finally(() => {
        settling.give();
        unsettled.delete(written);
      });
    unsettled.add(written);
  }

  /** One statement: the kind's record of the attempt and the row's outcome, committed together. */
  async function settleDelivered(claimed: Claimed, result: Delivered) {
    if (result.outcome === 'sent') await repo.markSent(claimed, result.messageId, result.record);
    else if (result.outcome === 'retry')
      await repo.retryLater(claimed, result.delaySeconds, result.error.slice(0, 500), result.record);
    else await repo.markFailed(claimed, 'failed', result.error.slice(0, 500), null, result.record);
  }

  async function settleFailure(claimed: Claimed, err: SmtpError) {
    const { row } = claimed;
    const kind = claimed.kind as MailKind;
    const outcome = classify(err);
    const reason = `${err.responseCode ?? err.code ?? 'error'}: ${err.message}`.slice(0, 500);
    if (outcome === 'hard-bounce') await repo.markFailed(claimed, 'bounced', reason, kind.bouncedContactId(row));
    else if (outcome === 'bounce') await repo.markFailed(claimed, 'bounced', reason);
    else if (outcome === 'ambiguous')
      await repo.markFailed(
        claimed,
        'ambiguous',
        `The whole message reached the relay but no answer came back; it may or may not have been delivered, so it is not sent again. ${reason}`,
      );
    else if (row.attempts >= maxAttempts) await repo.markFailed(claimed, 'failed', reason);
    else await repo.retryLater(claimed, backoffSeconds(row.attempts), reason);
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
    const taken = await repo.takeBackExpired();
    if (taken.requeued)
      o.log.warn({ count: taken.requeued }, 'claims outlived their lease before their message started: queued again');
    if (taken.ambiguous) {
      o.log.warn({ count: taken.ambiguous }, 'claims outlived their lease mid-send: recorded as ambiguous, not resent');
      o.onSettled?.('unknown', 'ambiguous', taken.ambiguous);
    }
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
          // Sent (or not) but not recorded: the row stays 'sending', and once its lease is over it is ambiguous
          // (its transaction had started) or queued again (it had not).
          o.log.error(
            { err, kind: item.claimed.kind.kind, id: item.claimed.row.id },
            'could not record the outcome of a send',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    await claiming;
    while (unsettled.size) await Promise.all(unsettled);
    unstarted.push(...queue.splice(0).map((i) => i.claimed));
    await repo.release(unstarted);
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
      agents.http.destroy();
      agents.https.destroy();
    },
    /** Waits until the current pass (if any) is over: for tests and the bench. */
    idle: async () => {
      while (running) await running;
    },
  };
}
export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
