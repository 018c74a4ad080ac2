/**
 * Opening a wave of BENCH_SIZE (default 100,000) recipients — audience, throttle, one link token per
 * recipient (random, hashed, sealed), deliveries written in one transaction — against a bare COPY of the
 * same rows into the same table, measured in the same run. Goal: wave ≤ 3× COPY.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createLogger } from '../src/platform/logger';
import { createSealer } from '../src/platform/tokens';
import { createPulseEngine } from '../src/modules/schedules';
import { mintTokens } from '../src/modules/schedules/mint';
import { nextSlot } from '../src/modules/schedules/slots';
import { seedSchedule, seedWorkspace } from '../tests/factories/pulse';
import { benchDatabase, ms, now } from './support';

const SIZE = Number(process.env.BENCH_SIZE ?? 100_000);

async function main() {
  const bench = await benchDatabase();
  const { db } = bench;
  const sealer = createSealer('bench-secret-key-that-is-long-enough-0000');
  try {
    console.log(`seeding ${SIZE} contacts…`);
    const seed = await seedWorkspace(db, { contacts: SIZE, name: 'Bench' });
    await db.execute('VACUUM ANALYZE contacts');
    const contactIds = (
      await db.query<{ id: string }>(`SELECT id FROM contacts WHERE workspace_id = :ws`, { ws: seed.workspaceId })
    ).map((r) => r.id);

    // Baseline: the same rows (fresh tokens, minted before the clock starts) through COPY into deliveries.
    const copyWave = (await db.one<{ id: string }>(
      `INSERT INTO waves (workspace_id, survey_id, survey_version, kind) VALUES (:ws, :s, 1, 'manual') RETURNING id`,
      { ws: seed.workspaceId, s: seed.surveyId },
    ))!.id;
    const t0 = now();
    const minted = mintTokens(SIZE, sealer);
    const mintMs = ms(t0);
    const created = new Date().toISOString();
    const lines = contactIds.map(
      (id, i) =>
        `${seed.workspaceId}\t${copyWave}\t${id}\t\\\\x${minted.hashes[i]!.toString('hex')}\t${minted.sealed[i]}\t${created}\n`,
    );
    const client = new pg.Client({ connectionString: bench.url });
    await client.connect();
    const t1 = now();
    await client.query('BEGIN');
    await pipeline(
      Readable.from(lines),
      client.query(
        copyFrom(
          'COPY deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed, created_at) FROM STDIN',
        ),
      ),
    );
    await client.query('COMMIT');
    const copyMs = ms(t1);
    await client.end();
    await db.execute('TRUNCATE deliveries CASCADE');
    await db.execute('VACUUM ANALYZE deliveries');

    // The real thing: the engine opens a due slot of a schedule over the whole audience.
    const base = (await db.one<{ now: Date }>('SELECT now() AS now'))!.now;
    await seedSchedule(db, {
      workspaceId: seed.workspaceId,
      surveyId: seed.surveyId,
      cron: '* * * * *',
      checkedUntil: base,
    });
    const engine = createPulseEngine({
      db,
      sealer,
      log: createLogger('silent'),
      graceMs: 6 * 3_600_000,
      onQueued: () => undefined,
    });
    const slot = nextSlot('* * * * *', 'UTC', base)!;
    const t2 = now();
    const result = await engine.runDue(new Date(slot.getTime() + 1000));
    const waveMs = ms(t2);
    const [{ n }] = (await db.query<{ n: number }>('SELECT count(*) AS n FROM deliveries')) as [{ n: number }];
    if (result.opened !== 1 || n !== SIZE)
      throw new Error(`expected one wave of ${SIZE}, got ${result.opened} waves and ${n} deliveries`);

    const out = {
      bench: 'wave',
      recipients: SIZE,
      waveMs: Math.round(waveMs),
      copyMs: Math.round(copyMs),
      ratio: Number((waveMs / copyMs).toFixed(2)),
      goal: '≤ 3× COPY',
      tokenMintMs: Math.round(mintMs),
      recipientsPerSecond: Math.round(SIZE / (waveMs / 1000)),
    };
    console.log(
      `wave of ${SIZE}: ${out.waveMs} ms; COPY of the same rows: ${out.copyMs} ms; ratio ${out.ratio}× (minting the tokens alone: ${out.tokenMintMs} ms)`,
    );
    console.log(JSON.stringify(out));
  } finally {
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
