/**
 * Webhooks, two costs, each against a bare baseline in the same run:
 *
 * 1. What the event triggers add to a change: BENCH_SIZE (default 5,000) answers inserted one statement each
 *    (as respondents do), with the webhook trigger disabled (bare), enabled with no endpoint listening (the
 *    cost every workspace pays), and enabled with one endpoint listening (an event and a delivery written).
 * 2. Delivery: BENCH_SIZE events through the real outbox worker (claim, mark started, sign with
 *    standardwebhooks, SSRF-guarded POST on its kept-alive connections, attempt log and settle in one statement)
 *    to a local receiver, against bare node:http POSTs of the same bodies on fresh connections with the same
 *    concurrency (the floor that was set before the worker kept connections; on loopback the difference is small).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../src/platform/logger';
import { createSealer } from '../src/platform/tokens';
import { createDeliveryWorker } from '../src/modules/delivery';
import { seedWorkspace } from '../tests/factories/pulse';
import { benchDatabase, ms, now } from './support';

const SIZE = Number(process.env.BENCH_SIZE ?? 5_000);
const CONCURRENCY = 10;

async function receiver() {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received: () => received,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function main() {
  const bench = await benchDatabase();
  const target = await receiver();
  const sealer = createSealer('bench-secret-key-that-is-long-enough-0000');
  try {
    const { db } = bench;
    const seed = await seedWorkspace(db, { contacts: 0, name: 'Bench' });
    const insertAnswers = async () => {
      const t0 = now();
      for (let i = 0; i < SIZE; i++)
        await db.execute(
          `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, completed_at)
           VALUES (:ws, :survey, 1, :score, jsonb_build_object('nps', :score::int), now())`,
          { ws: seed.workspaceId, survey: seed.surveyId, score: i % 11 },
        );
      return ms(t0);
    };

    await db.execute(`ALTER TABLE responses DISABLE TRIGGER responses_webhooks`);
    const bareMs = await insertAnswers();
    await db.execute(`ALTER TABLE responses ENABLE TRIGGER responses_webhooks`);
    const idleMs = await insertAnswers();
    await db.execute(
      `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed)
       VALUES (:ws, :url, '{response.confirmed}', :secret)`,
      { ws: seed.workspaceId, url: target.url, secret: sealer.seal(`whsec_${Buffer.alloc(32, 3).toString('base64')}`) },
    );
    const listenedMs = await insertAnswers();
    const [{ queued }] = (await db.query<{ queued: number }>(
      `SELECT count(*)::int AS queued FROM webhook_deliveries WHERE status = 'queued'`,
    )) as [{ queued: number }];
    if (queued !== SIZE) throw new Error(`expected ${SIZE} deliveries queued, got ${queued}`);

    // Baseline: the same number of POSTs of a payload-sized body, fresh connection each, same concurrency.
    const body = JSON.stringify({
      type: 'response.confirmed',
      timestamp: new Date().toISOString(),
      data: { score: 3 },
    });
    const t0 = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < SIZE)
          await new Promise<void>((resolve, reject) => {
            const req = http.request(target.url, { method: 'POST', agent: false }, (res) => {
              res.resume();
              res.on('end', resolve);
            });
            req.on('error', reject);
            req.end(body);
          });
      }),
    );
    const barePostMs = ms(t0);

    const worker = createDeliveryWorker({
      db,
      transport: {
        send: () => Promise.reject(new Error('no mail in this bench')),
        close: () => undefined,
        connections: 1,
      },
      sealer,
      log: createLogger('silent'),
      publicUrl: 'https://pulse.rapport.test',
      mailFrom: 'pulse@rapport.test',
      concurrency: CONCURRENCY,
      http: { allowPrivate: true },
    });
    const before = target.received();
    const t1 = now();
    await worker.drainOnce();
    const workerMs = ms(t1);
    const [{ sent }] = (await db.query<{ sent: number }>(
      `SELECT count(*)::int AS sent FROM webhook_deliveries WHERE status = 'sent'`,
    )) as [{ sent: number }];
    if (sent !== SIZE || target.received() - before !== SIZE)
      throw new Error(`expected ${SIZE} sent, got ${sent} recorded and ${target.received() - before} received`);

    const out = {
      bench: 'webhooks',
      answers: SIZE,
      insertBareMs: Math.round(bareMs),
      insertNoEndpointRatio: Number((idleMs / bareMs).toFixed(2)),
      insertListenedRatio: Number((listenedMs / bareMs).toFixed(2)),
      deliveries: SIZE,
      workerPerSecond: Math.round(SIZE / (workerMs / 1000)),
      barePostPerSecond: Math.round(SIZE / (barePostMs / 1000)),
      deliveryRatioToBare: Number((workerMs / barePostMs).toFixed(2)),
    };
    console.log(
      `insert: bare ${out.insertBareMs} ms; trigger, nobody listening ${out.insertNoEndpointRatio}×; one endpoint listening ${out.insertListenedRatio}×. ` +
        `delivery: worker ${out.workerPerSecond}/s vs bare POST ${out.barePostPerSecond}/s (${out.deliveryRatioToBare}×)`,
    );
    console.log(JSON.stringify(out));
  } finally {
    await target.close();
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
