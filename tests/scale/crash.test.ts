import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase } from '../helpers/testDb';
import { startTestSmtp } from '../helpers/smtp';
import { createSealer } from '../../src/platform/tokens';
import { wavesService } from '../../src/modules/schedules';
import { surveysService } from '../../src/modules/surveys';
import { seedWorkspace } from '../factories/pulse';

const SECRET = 'crash-test-secret-key-long-enough-000000';
const RECIPIENTS = 2000;

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
  'SIGKILL mid-wave of 2,000, restart: every recipient ends with one delivery, sent or ambiguous; nothing is received twice; ambiguous = what was in flight',
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
      const count = async (status: string) =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*) AS n FROM deliveries WHERE wave_id = :waveId AND status = :status`,
            { waveId, status },
          )
        )[0]!.n;

      // First life: killed without warning once a few hundred are out.
      const first = runWorkerProcess(env);
      const firstExit = exited(first);
      while ((await count('sent')) < 300) {
        if (first.exitCode !== null) throw new Error('the worker finished before it could be killed');
        await new Promise((r) => setTimeout(r, 25));
      }
      first.kill('SIGKILL');
      expect((await firstExit).signal).toBe('SIGKILL');
      const inFlight = await count('sending');
      const sentBeforeCrash = await count('sent');
      expect(sentBeforeCrash).toBeLessThan(RECIPIENTS);

      // Second life: finishes the queue, and counts the orphaned claims as ambiguous once their lease is over.
      const second = runWorkerProcess(env);
      expect(await exited(second)).toEqual({ code: 0, signal: null });

      const rows = await db.query<{ email: string; status: string; n: number }>(
        `SELECT c.email, min(d.status) AS status, count(*) AS n FROM contacts c JOIN deliveries d ON d.contact_id = c.id
       WHERE d.wave_id = :waveId GROUP BY c.email`,
        { waveId },
      );
      expect(rows).toHaveLength(RECIPIENTS);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.every((r) => r.status === 'sent' || r.status === 'ambiguous')).toBe(true);
      const ambiguous = rows.filter((r) => r.status === 'ambiguous');
      const sent = rows.filter((r) => r.status === 'sent');
      expect(ambiguous.length).toBe(inFlight);
      expect(sent.length).toBe(RECIPIENTS - inFlight);

      // The relay got every sent recipient exactly once, nobody twice, and beyond that at most the in-flight ones.
      expect([...received.values()].every((n) => n === 1)).toBe(true);
      expect(sent.every((r) => received.get(r.email) === 1)).toBe(true);
      expect(received.size).toBeGreaterThanOrEqual(sent.length);
      expect(received.size - sent.length).toBeLessThanOrEqual(inFlight);
      expect(await waves.summary(seed.workspaceId, waveId)).toMatchObject({
        recipients: RECIPIENTS,
        ambiguous: inFlight,
        sent: RECIPIENTS - inFlight,
        queued: 0,
      });
    } finally {
      await smtp.close();
      await database.drop();
    }
    // A safety net for a stuck run only: two worker processes and 2,000 messages on a loaded machine take minutes.
  },
  15 * 60_000,
);
