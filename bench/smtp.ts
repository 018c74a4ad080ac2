/**
 * BENCH_SIZE (default 5,000) invitations through the real outbox worker — claim with SKIP LOCKED and a
 * lease, render, seal/unseal the link, pooled SMTP, record each outcome — to a local smtp-server that
 * discards what it gets; against bare nodemailer sending the same number of messages to the same server in
 * the same run. Goal: ≥ 500 messages/second through the worker.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../src/platform/logger';
import { createMailTransport } from '../src/platform/mail';
import { createSealer } from '../src/platform/tokens';
import { createDeliveryWorker } from '../src/modules/delivery';
import { wavesService } from '../src/modules/schedules';
import { surveysService } from '../src/modules/surveys';
import { seedWorkspace } from '../tests/factories/pulse';
import { benchDatabase, ms, now } from './support';

const SIZE = Number(process.env.BENCH_SIZE ?? 5_000);

async function discardServer() {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function main() {
  const bench = await benchDatabase();
  const smtp = await discardServer();
  const sealer = createSealer('bench-secret-key-that-is-long-enough-0000');
  try {
    const { db } = bench;
    const seed = await seedWorkspace(db, { contacts: SIZE, name: 'Bench' });
    const waves = wavesService({ db, sealer, surveys: surveysService(db), onQueued: () => undefined });
    await waves.sendNow(seed.workspaceId, seed.surveyId, seed.userId);

    // Baseline: bare pooled nodemailer, same server, same message count, no database.
    const bare = createMailTransport(smtp.url);
    const t0 = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < SIZE) {
          const i = next++;
          await bare.send({
            from: { name: 'Acme Team', address: 'pulse@rapport.test' },
            to: { name: `Contact ${i}`, address: `bare${i}@example.com` },
            subject: 'How are we doing?',
            html: '<p>How likely are you to recommend us?</p>',
            text: 'How likely are you to recommend us?',
            messageId: `<bare-${i}@rapport.test>`,
          });
        }
      }),
    );
    const bareMs = ms(t0);
    bare.close();

    const transport = createMailTransport(smtp.url);
    const worker = createDeliveryWorker({
      db,
      transport,
      sealer,
      log: createLogger('silent'),
      publicUrl: 'https://pulse.rapport.test',
      mailFrom: 'pulse@rapport.test',
    });
    const before = smtp.received();
    const t1 = now();
    await worker.drainOnce();
    const workerMs = ms(t1);
    transport.close();
    const [{ sent }] = (await db.query<{ sent: number }>(
      `SELECT count(*) FILTER (WHERE status = 'sent') AS sent FROM deliveries`,
    )) as [{ sent: number }];
    if (sent !== SIZE || smtp.received() - before !== SIZE)
      throw new Error(`expected ${SIZE} sent, got ${sent} recorded and ${smtp.received() - before} received`);

    const out = {
      bench: 'smtp',
      messages: SIZE,
      workerMs: Math.round(workerMs),
      messagesPerSecond: Math.round(SIZE / (workerMs / 1000)),
      bareNodemailerPerSecond: Math.round(SIZE / (bareMs / 1000)),
      ratioToBare: Number((workerMs / bareMs).toFixed(2)),
      goal: '≥ 500 msg/s',
    };
    console.log(
      `worker: ${out.messagesPerSecond} msg/s (${out.workerMs} ms for ${SIZE}); bare nodemailer: ${out.bareNodemailerPerSecond} msg/s; ratio ${out.ratioToBare}×`,
    );
    console.log(JSON.stringify(out));
  } finally {
    await smtp.close();
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
