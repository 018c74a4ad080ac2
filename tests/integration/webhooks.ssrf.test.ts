import { createDeliveryWorker } from '../../src/modules/delivery';
import { createLogger } from '../../src/platform/logger';
import { createTestApp, csrfFrom, PUBLIC_URL, signedInAgent, type TestApp } from '../helpers/testApp';
import { startReceiver, type Receiver } from '../helpers/receiver';

/**
 * The SSRF guard with the default setting (WEBHOOKS_ALLOW_PRIVATE off): nothing on loopback, private,
 * link-local or metadata addresses is saved, and nothing is sent there, however the URL got in or wherever
 * its name points at the moment of sending. The receiver on 127.0.0.1 proves no request reached it.
 */
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let receiver: Receiver;
let workspaceId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});
afterEach(async () => {
  await t.db.execute(`DELETE FROM webhook_endpoints`);
  await t.db.execute(`DELETE FROM webhook_events`);
  receiver.received.length = 0;
});

async function save(url: string) {
  const page = await agent.get('/settings/webhooks').expect(200);
  return agent
    .post('/settings/webhooks')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), url, format: 'standard', events: 'contact.unsubscribed' });
}

describe('at save', () => {
  it.each([
    ['loopback', () => receiver.url(), 'a loopback address'],
    ['10.x', () => 'http://10.0.0.1/hook', 'a private address'],
    ['172.16.x', () => 'http://172.16.5.4/hook', 'a private address'],
    ['192.168.x', () => 'https://192.168.1.1/hook', 'a private address'],
    ['CGNAT', () => 'http://100.64.0.7/hook', 'carrier-grade NAT'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', 'a link-local address'],
    ['IPv6 loopback', () => `http://[::1]:${receiver.port}/hook`, 'a loopback address'],
    ['IPv4-mapped IPv6', () => `http://[::ffff:127.0.0.1]:${receiver.port}/hook`, 'a loopback address'],
    ['IPv6 unique local', () => 'http://[fd00::1]/hook', 'unique local'],
    [
      'a decimal IPv4 (the URL parser makes it 127.0.0.1)',
      () => `http://2130706433:${receiver.port}/`,
      'a loopback address',
    ],
    ['a DNS name resolving to loopback', () => `http://localhost:${receiver.port}/hook`, 'resolves to'],
  ])('refuses %s with a message on the URL field (422), and stores nothing', async (_what, url, says) => {
    const res = await save(url());
    expect(res.status).toBe(422);
    expect(res.text).toContain('Rapport does not send webhooks there');
    expect(res.text).toContain(says);
    expect(await t.db.query(`SELECT 1 FROM webhook_endpoints`)).toHaveLength(0);
  });

  it('a name that does not resolve is refused with what to check', async () => {
    const res = await save('https://no-such-host.invalid/hook');
    expect(res.status).toBe(422);
    expect(res.text).toContain('We could not find no-such-host.invalid');
  });
});

describe('at send', () => {
  /** An endpoint stored as if it had passed the check (an older row, or a name that pointed elsewhere then). */
  const stored = async (url: string) => {
    const e = await t.db.one<{ id: string }>(
      `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed) VALUES (:workspaceId, :url, '{webhook.test}', :secret)
       RETURNING id`,
      { workspaceId, url, secret: t.sealer.seal('whsec_' + Buffer.alloc(32, 7).toString('base64')) },
    );
    await t.db.execute(
      `WITH ev AS (INSERT INTO webhook_events (workspace_id, type, payload) VALUES (:workspaceId, 'webhook.test', '{"type":"webhook.test"}') RETURNING id)
       INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id) SELECT :workspaceId, :endpointId, id FROM ev`,
      { workspaceId, endpointId: e!.id },
    );
  };
  const worker = (
    resolve?: (host: string) => Promise<{ address: string; family: number }[]>,
    allowPrivate = false,
    concurrency?: number,
  ) =>
    createDeliveryWorker({
      db: t.db,
      transport: { send: () => Promise.reject(new Error('no mail here')), close: () => undefined, connections: 1 },
      sealer: t.sealer,
      log: createLogger('silent'),
      publicUrl: PUBLIC_URL,
      mailFrom: 'pulse@rapport.test',
      concurrency,
      http: { allowPrivate, resolve },
    });
  const lastAttempt = () =>
    t.db.one<{ error: string | null; status_code: number | null }>(
      `SELECT error, status_code FROM webhook_attempts ORDER BY id DESC LIMIT 1`,
    );

  it.each([
    ['127.0.0.1', () => receiver.url()],
    ['[::1]', () => `http://[::1]:${receiver.port}/hook`],
    ['localhost', () => `http://localhost:${receiver.port}/hook`],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['10.x', () => 'http://10.255.255.1/hook'],
  ])(
    'refuses to connect to %s: nothing reaches it, the attempt is logged as refused and retried later',
    async (_w, url) => {
      await stored(url());
      const w = worker();
      await w.drainOnce();
      expect(receiver.received).toHaveLength(0);
      expect(await lastAttempt()).toMatchObject({ status_code: null, error: expect.stringMatching(/^Refused: /) });
      expect(await t.db.one(`SELECT status, attempts FROM webhook_deliveries`)).toEqual({
        status: 'queued',
        attempts: 1,
      });
      await w.stop();
    },
  );

  it('DNS rebinding: a name that answered with a public address at save and answers 127.0.0.1 now is refused now', async () => {
    let answer = '93.184.216.34';
    const resolve = async () => [{ address: answer, family: 4 }];
    await stored(`http://rebind.example.test:${receiver.port}/hook`);
    answer = '127.0.0.1';
    const w = worker(resolve);
    await w.drainOnce();
    expect(receiver.received).toHaveLength(0);
    expect((await lastAttempt())!.error).toContain('rebind.example.test resolves to 127.0.0.1: a loopback address');
    await w.stop();
  });

  it('the connection goes to the address that was checked, with the name kept for Host (and TLS)', async () => {
    // Allowed here only because the test allows private targets: what matters is where the socket went.
    const seen: string[] = [];
    const resolve = async (host: string) => (seen.push(host), [{ address: '127.0.0.1', family: 4 }]);
    await stored(`http://hooks.example.test:${receiver.port}/hook`);
    const w = worker(resolve, true);
    await w.drainOnce();
    expect(seen).toEqual(['hooks.example.test']);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers.host).toBe(`hooks.example.test:${receiver.port}`);
    await w.stop();
  });

  it('attempts to one origin share a kept-alive connection: the name is checked when the connection opens', async () => {
    const seen: string[] = [];
    const resolve = async (host: string) => (seen.push(host), [{ address: '127.0.0.1', family: 4 }]);
    await stored(`http://hooks.example.test:${receiver.port}/hook`);
    await t.db.execute(
      `WITH ev AS (INSERT INTO webhook_events (workspace_id, type, payload)
         SELECT :workspaceId, 'webhook.test', '{"type":"webhook.test"}' FROM generate_series(1, 2) RETURNING id)
       INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id)
       SELECT :workspaceId, (SELECT id FROM webhook_endpoints), id FROM ev`,
      { workspaceId },
    );
    // One lane, so each attempt finds the last one's connection free.
    const w = worker(resolve, true, 1);
    await w.drainOnce();
    expect(receiver.received).toHaveLength(3);
    expect(seen).toEqual(['hooks.example.test']);
    expect(await t.db.query(`SELECT status FROM webhook_deliveries`)).toEqual([
      { status: 'sent' },
      { status: 'sent' },
      { status: 'sent' },
    ]);
    await w.stop();
  });

  it('a redirect is not followed: one request, and the message is retried, not sent', async () => {
    receiver.answer({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    await stored(receiver.url());
    const w = worker(undefined, true);
    await w.drainOnce();
    expect(receiver.received).toHaveLength(1);
    expect(await lastAttempt()).toMatchObject({ status_code: 302 });
    expect(await t.db.one(`SELECT status FROM webhook_deliveries`)).toEqual({ status: 'queued' });
    await w.stop();
  });

  it('an answer larger than the limit is cut off: only the first bytes are read and logged', async () => {
    receiver.answer({ status: 200, body: 'x'.repeat(5 * 1024 * 1024) });
    await stored(receiver.url());
    const w = worker(undefined, true);
    await w.drainOnce();
    const attempt = await t.db.one<{ status_code: number; response_excerpt: string }>(
      `SELECT status_code, response_excerpt FROM webhook_attempts`,
    );
    expect(attempt!.status_code).toBe(200);
    expect(attempt!.response_excerpt.length).toBe(1000);
    expect(await t.db.one(`SELECT status FROM webhook_deliveries`)).toEqual({ status: 'sent' });
    await w.stop();
  });
});
