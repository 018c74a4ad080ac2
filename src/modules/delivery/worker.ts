import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { MailTransport, OutgoingMail } from '../../platform/mail';
import type { Sealer } from '../../platform/tokens';
import { MESSAGE_KINDS, outboxRepository, type ClaimedDelivery, type MessageKind } from './outbox.repository';
import { renderReply } from './reply';
import { renderAlert } from './alert';
import { renderInvitation } from './invitation';
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
  const domain = new URL(o.publicUrl).hostname || 'rapport.localhost';
  const mailto = o.unsubscribeMailto ?? o.mailFrom;
  const pacer = createPacer(o.ratePerMinute ?? 0);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopping = false;

  /** Derived from the delivery (and reminder number), so a retry of the same message carries the same Message-ID. */
  const messageIdOf = (d: ClaimedDelivery) =>
    d.kind === 'reply'
      ? `<reply-${d.id}@${domain}>`
      : d.kind === 'alert'
        ? `<alert-${d.id}@${domain}>`
        : d.kind === 'reminder'
          ? `<delivery-${d.deliveryId}.reminder-${d.reminderSeq}@${domain}>`
          : `<delivery-${d.deliveryId}@${domain}>`;

  async function compose(d: ClaimedDelivery): Promise<OutgoingMail> {
    if (d.kind === 'alert')
      return {
        ...(await renderAlert(d, o.publicUrl)),
        from: { name: 'Rapport', address: o.mailFrom },
        messageId: messageIdOf(d),
      };
    if (d.kind === 'reply')
      return {
        ...(await renderReply(d, d.deliveryId ? `<delivery-${d.deliveryId}@${domain}>` : null)),
        from: { name: d.senderName, address: o.mailFrom },
        messageId: messageIdOf(d),
      };
    const token = o.sealer.open(d.tokenSealed);
    const unsubscribeUrl = `${o.publicUrl}/r/${token}/unsubscribe`;
    const mail = await renderInvitation(d, token, o.publicUrl, { reminder: d.kind === 'reminder' });
    const headers: Record<string, string> = {
      // RFC 8058: the https URL takes a one-click POST; mailto is for clients that only speak mail.
      'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    // A reminder threads under its invitation in the recipient's mail client.
    if (d.kind === 'reminder') headers.References = headers['In-Reply-To'] = `<delivery-${d.deliveryId}@${domain}>`;
    return {
      from: { name: d.senderName, address: o.mailFrom },
      replyTo: d.replyToEmail ? { name: d.senderName, address: d.replyToEmail } : undefined,
      to: { name: d.contactName, address: d.contactEmail },
      messageId: messageIdOf(d),
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers,
    };
  }

  async function sendOne(d: ClaimedDelivery) {
    const messageId = messageIdOf(d);
    try {
      await o.transport.send(await compose(d));
    } catch (err) {
      await settleFailure(d, err as SmtpError);
      return;
    }
    await repo.markSent(d.kind, d.id, messageId);
    o.onSettled?.(d.kind, 'sent');
  }

  async function settleFailure(d: ClaimedDelivery, err: SmtpError) {
    const outcome = classify(err);
    const reason = `${err.responseCode ?? err.code ?? 'error'}: ${err.message}`.slice(0, 500);
    // An alert bounces off a teammate's address: the contact it is about is not touched.
    if (outcome === 'hard-bounce')
      await repo.markFailed(d.kind, d.id, 'bounced', reason, d.kind === 'alert' ? undefined : d.contactId);
    else if (outcome === 'bounce') await repo.markFailed(d.kind, d.id, 'bounced', reason);
    else if (outcome === 'ambiguous')
      await repo.markFailed(
        d.kind,
        d.id,
        'ambiguous',
        `The relay stopped answering mid-send; it may or may not have taken the message. ${reason}`,
      );
    else if (d.attempts >= maxAttempts) await repo.markFailed(d.kind, d.id, 'failed', reason);
    else await repo.retryLater(d.kind, d.id, backoffSeconds(d.attempts), reason);
    const settled = outcome === 'retry' ? (d.attempts >= maxAttempts ? 'failed' : 'retried') : outcome;
    o.onSettled?.(d.kind, settled === 'hard-bounce' || settled === 'bounce' ? 'bounced' : settled);
    o.log.warn(
      { delivery: d.deliveryId, kind: d.kind, outcome, code: err.responseCode ?? err.code, attempts: d.attempts },
      'message not sent',
    );
  }

  async function claim(): Promise<ClaimedDelivery[]> {
    // Never claim more than the rate lets us start well inside the lease.
    const limit = Math.min(batchSize, pacer.allowance(Math.max(1, (leaseSeconds * 1000 - maxSendMs) / 2000)));
    const batch: ClaimedDelivery[] = [];
    for (const kind of MESSAGE_KINDS)
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
    const queue: { d: ClaimedDelivery; deadline: number }[] = [];
    const unstarted: ClaimedDelivery[] = [];
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
          for (const d of batch) queue.push({ d, deadline: claimedAt + leaseSeconds * 1000 - maxSendMs });
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
          unstarted.push(item.d);
          continue;
        }
        try {
          await sendOne(item.d);
        } catch (err) {
          // Sent (or not) but not recorded: the row stays 'sending' and its lease will call it ambiguous.
          o.log.error({ err, delivery: item.d.deliveryId }, 'could not record the outcome of a send');
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    await claiming;
    unstarted.push(...queue.splice(0).map((i) => i.d));
    for (const kind of MESSAGE_KINDS) {
      await repo.release(
        kind,
        unstarted.filter((d) => d.kind === kind).map((d) => d.id),
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
