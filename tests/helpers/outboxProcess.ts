/**
 * A real process that runs the delivery worker against a test database until the outbox is settled
 * (nothing queued, nothing in flight), then exits. The crash test SIGKILLs it mid-wave and starts it again.
 * Env: DATABASE_URL, SMTP_URL, SECRET_KEY, LEASE_SECONDS.
 */
import { createDb } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createMailTransport } from '../../src/platform/mail';
import { createSealer } from '../../src/platform/tokens';
import { createDeliveryWorker } from '../../src/modules/delivery';

async function main() {
  const env = process.env;
  const db = createDb(env.DATABASE_URL!, { poolMax: 5 });
  // The relay is local and never hangs: default timeouts, so a loaded machine's slow greeting is not a failure.
  const transport = createMailTransport(env.SMTP_URL!);
  const leaseSeconds = Number(env.LEASE_SECONDS ?? 2);
  const worker = createDeliveryWorker({
    db,
    transport,
    sealer: createSealer(env.SECRET_KEY!),
    log: createLogger('silent'),
    publicUrl: 'http://rapport.test',
    mailFrom: 'pulse@rapport.test',
    batchSize: 25,
    leaseSeconds,
    maxSendMs: (leaseSeconds * 1000) / 2,
  });
  for (;;) {
    await worker.drainOnce();
    const [left] = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE status IN ('queued', 'sending')`,
    );
    if (!left!.n) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  transport.close();
  await db.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
