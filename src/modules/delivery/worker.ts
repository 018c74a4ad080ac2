import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { MailTransport } from '../../platform/mail';
import type { Sealer } from '../../platform/tokens';
import { outboxRepository, type ClaimedDelivery } from './outbox.repository';
import { renderInvitation } from './invitation';

export type WorkerOptions = {
  db: Db;
  transport: MailTransport;
  sealer: Sealer;
  log: Logger;
  publicUrl: string;
  mailFrom: string;
  batchSize?: number;
  leaseSeconds?: number;
  pollMs?: number;
  maxAttempts?: number;
};

type SmtpError = Error & { responseCode?: number; code?: string };

/**
 * Drains the outbox. Safe to run in every instance at once: claims are exclusive (SKIP LOCKED), each state
 * change is guarded by the state it expects, and a claim that outlives its lease becomes "ambiguous"
 * instead of being sent twice.
 */
export function createDeliveryWorker(o: WorkerOptions) {
  const repo = outboxRepository(o.db);
  const batchSize = o.batchSize ?? 50;
  const leaseSeconds = o.leaseSeconds ?? 120;
  const maxAttempts = o.maxAttempts ?? 6;
  const domain = new URL(o.publicUrl).hostname || 'rapport.localhost';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopping = false;

  async function sendOne(d: ClaimedDelivery) {
    // Derived from the delivery, so a retry of the same invitation carries the same Message-ID.
    const messageId = `<delivery-${d.id}@${domain}>`;
    try {
      const mail = await renderInvitation(d, o.sealer.open(d.tokenSealed), o.publicUrl);
      await o.transport.send({
        from: { name: d.senderName, address: o.mailFrom },
        to: { name: d.contactName, address: d.contactEmail },
        messageId,
        ...mail,
      });
      await repo.markSent(d.id, messageId);
    } catch (err) {
      await settleFailure(d, err as SmtpError);
    }
  }

  async function settleFailure(d: ClaimedDelivery, err: SmtpError) {
    const code = err.responseCode;
    const reason = `${code ?? err.code ?? 'error'}: ${err.message}`.slice(0, 500);
    if (code && code >= 500) {
      await repo.markFailed(d.id, 'bounced', reason);
    } else if (d.attempts >= maxAttempts) {
      await repo.markFailed(d.id, 'failed', reason);
    } else {
      // Exponential backoff with full jitter: 30 s, 1 min, 2 min … so a struggling relay is not stampeded.
      const delay = Math.round(Math.random() * 30 * 2 ** (d.attempts - 1)) + 5;
      await repo.retryLater(d.id, delay, reason);
    }
    o.log.warn({ delivery: d.id, code, attempts: d.attempts }, 'delivery not sent');
  }

  /** Claim and send until nothing is due. Returns how many were attempted. */
  async function drainOnce(): Promise<number> {
    let total = 0;
    await repo.markExpiredLeasesAmbiguous();
    while (!stopping) {
      const batch = await repo.claim(batchSize, leaseSeconds);
      if (!batch.length) break;
      await Promise.all(batch.map(sendOne));
      total += batch.length;
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
    /** Lets the batch in hand finish (each send is bounded by the SMTP timeouts), then stops claiming. */
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await running;
    },
    /** Waits until the current pass (if any) is over: for tests and the bench. */
    idle: async () => {
      while (running) await running;
    },
  };
}
export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
