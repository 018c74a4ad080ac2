import { createTestDatabase } from '../helpers/testDb';
import { startFaultyRelay, type RelayFault } from '../helpers/faultyRelay';
import { WAIT_MS } from '../helpers/wait';
import { createLogger } from '../../src/platform/logger';
import { createMailTransport } from '../../src/platform/mail';
import { createSealer } from '../../src/platform/tokens';
import type { Db } from '../../src/platform/db';
import { createDeliveryWorker, type SendOutcome } from '../../src/modules/delivery';
import { wavesService } from '../../src/modules/schedules';
import { surveysService } from '../../src/modules/surveys';
import { seedWorkspace } from '../factories/pulse';

/**
 * The relay fault matrix (issue 9): a real relay that drops or hangs at each SMTP stage, once. Before the end
 * of DATA nothing can have been delivered, so the message is retried and then sent once; after it, the relay
 * may hold the message, so it is ambiguous and never sent again. `copies` is what the relay took. The first
 * connection only is faulty: a retry finds the relay well.
 */
const sealer = createSealer('relay-faults-secret-key-long-enough-0000');
// How long a silent relay is waited for. Far above what any SMTP step takes on loopback even on a loaded
// machine (so only the injected hangs reach it), and what each hang case costs.
const SILENCE_MS = 5000;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database.drop());

type Expected = {
  name: string;
  status: 'sent' | 'ambiguous';
  outcomes: SendOutcome[];
  attempts: number;
  copies: number;
  /** Connections the relay saw: a retry opens a new one; an ambiguous message is never tried again. */
  connections: number;
};
const retriedThenSent: Expected = {
  name: 'retried, then sent once',
  status: 'sent',
  outcomes: ['retried', 'sent'],
  attempts: 2,
  copies: 1,
  connections: 2,
};
// A connection closed before the greeting is one nodemailer's pool opens again by itself (nothing was sent).
const sentAtOnce: Expected = {
  name: 'sent once (the pool reconnects)',
  status: 'sent',
  outcomes: ['sent'],
  attempts: 1,
  copies: 1,
  connections: 2,
};
const ambiguous: Expected = {
  name: 'ambiguous, never resent',
  status: 'ambiguous',
  outcomes: ['ambiguous'],
  attempts: 1,
  copies: 1,
  connections: 1,
};

const matrix: [RelayFault['stage'], RelayFault['action'], Expected][] = [
  ['connect', 'drop', sentAtOnce],
  ['connect', 'hang', retriedThenSent],
  ['greeting', 'drop', retriedThenSent],
  ['greeting', 'hang', retriedThenSent],
  ['MAIL', 'drop', retriedThenSent],
  ['MAIL', 'hang', retriedThenSent],
  ['RCPT', 'drop', retriedThenSent],
  ['RCPT', 'hang', retriedThenSent],
  ['DATA', 'drop', retriedThenSent],
  ['DATA', 'hang', retriedThenSent],
  ['after DATA', 'drop', ambiguous],
  ['after DATA', 'hang', ambiguous],
];

it.each(matrix.map(([stage, action, expected]) => [stage, action, expected.name, expected] as const))(
  'relay fails at %s (%s): %s',
  async (stage, action, _name, expected) => {
    const seed = await seedWorkspace(db, { contacts: 1, throttleDays: 0, name: `${stage} ${action}` });
    const waves = wavesService({ db, sealer, surveys: surveysService(db), onQueued: () => undefined });
    const waveId = await waves.sendNow(seed.workspaceId, seed.surveyId, seed.userId);
    const relay = await startFaultyRelay({ stage, action });
    const transport = createMailTransport(relay.url, { timeoutMs: SILENCE_MS });
    const outcomes: SendOutcome[] = [];
    const worker = createDeliveryWorker({
      db,
      transport,
      sealer,
      log: createLogger('silent'),
      publicUrl: 'https://pulse.acme.test',
      mailFrom: 'pulse@acme.test',
      leaseSeconds: 120,
      maxSendMs: 4 * SILENCE_MS,
      onSettled: (_kind, outcome) => outcomes.push(outcome),
    });
    const delivery = async () =>
      (await db.one<{ status: string; attempts: number; messageId: string | null }>(
        `SELECT status, attempts, message_id AS "messageId" FROM deliveries WHERE wave_id = :waveId`,
        { waveId },
      ))!;
    try {
      await worker.drainOnce();
      // Whatever the first attempt did, a retry is due now rather than after its backoff.
      await db.execute(`UPDATE deliveries SET next_attempt_at = now() WHERE wave_id = :waveId AND status = 'queued'`, {
        waveId,
      });
      await worker.drainOnce();

      const d = await delivery();
      expect({ status: d.status, outcomes, attempts: d.attempts }).toEqual({
        status: expected.status,
        outcomes: expected.outcomes,
        attempts: expected.attempts,
      });
      // The relay answers (and so counts) a message taken after DATA on its own time: wait for the copies
      // expected, then check that no other arrived.
      const since = Date.now();
      while (relay.received.length < expected.copies && Date.now() - since < WAIT_MS)
        await new Promise((r) => setTimeout(r, 20));
      const messageId = `<delivery-${(await db.one<{ id: string }>(`SELECT id FROM deliveries WHERE wave_id = :waveId`, { waveId }))!.id}@pulse.acme.test>`;
      expect(relay.received.map((m) => m.messageId)).toEqual(Array(expected.copies).fill(messageId));
      if (d.status === 'sent') expect(d.messageId).toBe(messageId);
      expect(relay.connections()).toBe(expected.connections);
    } finally {
      await worker.stop();
      transport.close();
      await relay.close();
    }
  },
);
