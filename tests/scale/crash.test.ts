import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase } from '../helpers/testDb';
import { startTestSmtp } from '../helpers/smtp';
import { SMTP_POOL_SIZE } from '../../src/platform/mail';
import { createSealer } from '../../src/platform/tokens';
import { wavesService } from '../../src/modules/schedules';
import { surveysService } from '../../src/modules/surveys';
import { seedWorkspace } from '../factories/pulse';

const SECRET = 'crash-test-secret-key-long-enough-000000';
const RECIPIENTS = 2000;
const KILLS = 2;

function runWorkerProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/outboxProcess.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

it(
  'SIGKILL twice mid-wave of 2,000, restart: every recipient gets one delivery; only messages inside an SMTP transaction at a kill are ambiguous (at most one per connection), the rest are sent; nothing is received twice',
  async () => {
    const database = await createTestDatabase();
    const received = new Map<string, number>();
    const smtp = await startTestSmtp({
      onData: (stream, session, callback) => {
        stream.resume();
        stream.on('end', () => {
          for (const rcpt of session.envelope.rcptTo) received.set(rcpt.address, (received.get(rcpt.address) ?? 0) + 1);
          callback();
        });
      },
    });
    try {
      const { db } = database;
      const seed = await seedWorkspace(db, { contacts: RECIPIENTS, name: 'Crash' });
      const waves = wavesService({
        db,
        sealer: createSealer(SECRET),
        surveys: surveysService(db),
        onQueued: () => undefined,
      });
      const waveId = await waves.sendNow(seed.workspaceId, seed.surveyId, seed.userId);
      const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, SECRET_KEY: SECRET, LEASE_SECONDS: '2' };
      const sentCount = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*) AS n FROM deliveries WHERE wave_id = :waveId AND status = 'sent'`,
            { waveId },
          )
        )[0]!.n;
      const claimedAt = () =>
        db.query<{ id: string; token: string; started: boolean }>(
          `SELECT id, claim_token AS token, smtp_started_at IS NOT NULL AS started
           FROM deliveries WHERE wave_id = :waveId AND status = 'sending'`,
          { waveId },
        );

      // Each life is killed without warning once a few hundred more are out; the claims it held are noted.
      const inTransaction = new Set<string>();
      const neverStarted = new Set<string>();
      const perKill: { claimed: number; inTransaction: number }[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const target = (await sentCount()) + 300;
        // An earlier life's claims stay 'sending' until their lease ends (and may be claimed again, under a new
        // token): only the claims this life made count against its connections.
        const heldBefore = new Set((await claimedAt()).map((c) => `${c.id} ${c.token}`));
        const life = runWorkerProcess(env);
        const lifeExit = exited(life);
        while ((await sentCount()) < target) {
          if (life.exitCode !== null) throw new Error('the worker finished before it could be killed');
          await new Promise((r) => setTimeout(r, 25));
        }
        life.kill('SIGKILL');
        expect((await lifeExit).signal).toBe('SIGKILL');
        const claimed = await claimedAt();
        const started = claimed.filter((c) => c.started && !heldBefore.has(`${c.id} ${c.token}`));
        perKill.push({ claimed: claimed.length, inTransaction: started.length });
        for (const c of claimed) (c.started ? inTransaction : neverStarted).add(c.id);
        // One message per SMTP connection at most can be inside a transaction.
        expect(started.length).toBeLessThanOrEqual(SMTP_POOL_SIZE);
      }
      expect(await sentCount()).toBeLessThan(RECIPIENTS);
      for (const id of inTransaction) neverStarted.delete(id);

      // Last life: finishes the queue; orphaned claims are taken back once their lease is over.
      const last = runWorkerProcess(env);
      expect(await exited(last)).toEqual({ code: 0, signal: null });

      const rows = await db.query<{ id: string; email: string; status: string; n: number }>(
        `SELECT min(d.id::text) AS id, c.email, min(d.status) AS status, count(*) AS n
         FROM contacts c JOIN deliveries d ON d.contact_id = c.id
         WHERE d.wave_id = :waveId GROUP BY c.email`,
        { waveId },
      );
      expect(rows).toHaveLength(RECIPIENTS);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const ambiguous = rows.filter((r) => r.status === 'ambiguous');
      const sent = rows.filter((r) => r.status === 'sent');
      expect(ambiguous.length + sent.length).toBe(RECIPIENTS);
      // Exactly the messages inside a transaction at a kill are ambiguous; claimed ones that had not started
      // were queued again and sent.
      expect(ambiguous.map((r) => r.id).sort()).toEqual([...inTransaction].sort());
      expect(ambiguous.length).toBeLessThanOrEqual(KILLS * SMTP_POOL_SIZE);
      const status = new Map(rows.map((r) => [r.id, r.status]));
      expect([...neverStarted].every((id) => status.get(id) === 'sent')).toBe(true);
      // Claims were held at the kills (batches are claimed ahead), far more than the transactions.
      expect(perKill.some((k) => k.claimed > k.inTransaction)).toBe(true);

      // The relay got every sent recipient exactly once, nobody twice, and beyond that at most the ambiguous.
      expect([...received.values()].every((n) => n === 1)).toBe(true);
      expect(sent.every((r) => received.get(r.email) === 1)).toBe(true);
      expect(received.size - sent.length).toBeLessThanOrEqual(ambiguous.length);
      expect(await waves.summary(seed.workspaceId, waveId)).toMatchObject({
        recipients: RECIPIENTS,
        ambiguous: ambiguous.length,
        sent: RECIPIENTS - ambiguous.length,
        queued: 0,
      });
    } finally {
      await smtp.close();
      await database.drop();
    }
    // A safety net for a stuck run only: three worker processes and 2,000 messages on a loaded machine take minutes.
  },
  15 * 60_000,
);
