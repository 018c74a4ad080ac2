/**
 * npm run bench:cluster — Rapport as several instances on one PostgreSQL, as production runs it behind a load
 * balancer. Each instance is a real process (tests/helpers/rapportProcess.ts: the boot path of main.ts) with
 * its web server, delivery worker and tickers, sending to a local smtp-server sink that counts what each
 * recipient received.
 *
 *  1. One instance: a wave of BENCH_ONE_SIZE (default 5,000) recipients is sent while respondents POST their
 *     answers (to the wave's own links) and a teammate's dashboard is read, for BENCH_SECONDS (default 20).
 *  2. Three instances: the same load, spread over the three, with a wave of BENCH_SIZE (default 20,000). Once
 *     half of it is sent, one instance is SIGKILLed and started again; the wave then runs to the end (claims
 *     the killed one held come back after DELIVERY_LEASE_SECONDS, 30).
 * Checks: every answer the app confirmed (303) is stored, once; every recipient got at most one invitation;
 * every delivery ended sent or ambiguous (a message inside an SMTP transaction at the kill), and nobody but an
 * ambiguous one received nothing. Prints throughput per phase (answers/s, dashboard reads/s, sends/s) and
 * the three-to-one ratios; last line one JSON object. Embedded PostgreSQL unless DATABASE_URL is set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../src/platform/db';
import { createSealer, hashToken } from '../src/platform/tokens';
import { wavesService } from '../src/modules/schedules';
import { surveysService } from '../src/modules/surveys';
import { addContacts } from '../tests/factories/pulse';
import { freePort } from '../tests/helpers/net';
import { benchDatabase } from './support';

const ONE_SIZE = Number(process.env.BENCH_ONE_SIZE ?? 5_000);
const SIZE = Number(process.env.BENCH_SIZE ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const POSTERS = Number(process.env.BENCH_POSTERS ?? 8);
const READERS = Number(process.env.BENCH_READERS ?? 2);
const SECRET = 'cluster-bench-secret-key-long-enough-0000';
const LEASE_SECONDS = 30;

/** The relay: accepts everything, counts messages per recipient. */
async function sink() {
  const received = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('error', callback);
      stream.resume();
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) received.set(r.address, (received.get(r.address) ?? 0) + 1);
        callback();
      });
    },
  });
  // A connection cut by the SIGKILLed instance ends here: expected, and said once per connection.
  server.on('error', (err) => console.error(`sink: a connection ended abruptly (${err.message})`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    total: () => [...received.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

type Instance = { port: number; child: ChildProcess; exited: Promise<void> };

async function startInstance(env: Record<string, string>, port: number): Promise<Instance> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '../tests/helpers/rapportProcess.ts')],
    {
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it answers /readyz (its migrations ran, its server listens).
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance on ${port} exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { port, child, exited };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** First-run setup through HTTP on one instance: the owner's session cookie, valid on every instance. */
async function ownerSession(port: number) {
  const page = await fetch(`http://127.0.0.1:${port}/setup`);
  const cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const body = new URLSearchParams({
    _csrf: csrf,
    workspaceName: 'Cluster',
    senderName: 'Cluster Team',
    postalAddress: '1 Main St',
    name: 'Olga Owner',
    email: 'olga@cluster.test',
    password: 'correct horse battery',
  });
  const done = await fetch(`http://127.0.0.1:${port}/setup`, {
    method: 'POST',
    body,
    headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  if (done.status !== 303) throw new Error(`setup answered ${done.status}`);
  const session = done.headers.getSetCookie().find((c) => c.startsWith('rapport.sid='));
  if (!session) throw new Error('setup set no session');
  return session.split(';')[0]!;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function send(port: number, method: string, p: string, headers: Record<string, string>, body?: string) {
  return new Promise<number>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent }, (res) => {
      res.on('error', () => resolve(0));
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // A killed instance resets its connections: counted as a failure, never a confirmation.
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

type Load = { confirmed: Set<string>; posts: number; postFailures: number; reads: number; readFailures: number };

/** Respondents answer (each link once) and a teammate reads the dashboard, until `stop` resolves. */
async function drive(ports: () => number[], tokens: string[], cookie: string, dashboard: string, stop: Promise<void>) {
  const load: Load = { confirmed: new Set(), posts: 0, postFailures: 0, reads: 0, readFailures: 0 };
  let done = false;
  void stop.then(() => (done = true));
  let n = 0;
  const pick = () => {
    const p = ports();
    return p[n++ % p.length]!;
  };
  const poster = async () => {
    while (!done && tokens.length) {
      const token = tokens.pop()!;
      const body = `nps=${token.length % 11}&reason=cluster`;
      const status = await send(
        pick(),
        'POST',
        `/r/${token}`,
        { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) },
        body,
      );
      load.posts++;
      if (status === 303) load.confirmed.add(token);
      else load.postFailures++;
    }
  };
  const reader = async () => {
    while (!done) {
      const status = await send(pick(), 'GET', dashboard, { cookie });
      if (status === 200) load.reads++;
      else load.readFailures++;
    }
  };
  await Promise.all([...Array.from({ length: POSTERS }, poster), ...Array.from({ length: READERS }, reader)]);
  return load;
}

async function waveCounts(db: Db, waveId: string) {
  const rows = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*) AS n FROM deliveries WHERE wave_id = $1 GROUP BY status',
    [waveId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
}

async function main() {
  const database = await benchDatabase();
  const { db } = database;
  const relay = await sink();
  const sealer = createSealer(SECRET);
  const env = {
    DATABASE_URL: database.url,
    SMTP_URL: relay.url,
    SECRET_KEY: SECRET,
    PUBLIC_URL: 'http://cluster.test',
    LOG_LEVEL: 'warn',
    SEND_RATE_PER_MINUTE: '0',
    DELIVERY_LEASE_SECONDS: String(LEASE_SECONDS),
    RESPOND_RATE_LIMIT: '1000000000',
    SCHEDULER_ENABLED: 'false',
  };
  const instances: Instance[] = [];
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    instances.push(await startInstance(env, ports[0]!));
    const cookie = await ownerSession(ports[0]!);
    const workspaceId = (await db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
    const userId = (await db.one<{ id: string }>('SELECT id FROM users'))!.id;
    // Each wave asks only people the last one did not (a 30-day throttle): two waves, two sets of recipients.
    await db.execute('UPDATE workspaces SET throttle_days = 30 WHERE id = $1', [workspaceId]);
    const surveys = surveysService(db);
    const surveyId = await surveys.createFromTemplate(workspaceId, 'how-are-we-doing');
    const waves = wavesService({ db, sealer, surveys, onQueued: () => undefined });
    const dashboard = `/surveys/${surveyId}`;

    const phase = async (name: string, size: number, live: () => number[], midway?: () => Promise<void>) => {
      await addContacts(db, workspaceId, size, name);
      await db.execute('ANALYZE');
      const waveId = await waves.sendNow(workspaceId, surveyId, userId);
      const tokens = (
        await db.query<{ sealed: string }>('SELECT token_sealed AS sealed FROM deliveries WHERE wave_id = $1', [waveId])
      ).map((r) => sealer.open(r.sealed));
      const sentBefore = relay.total();
      const started = performance.now();
      let killed = false;
      const window = new Promise<void>((resolve) => setTimeout(resolve, SECONDS * 1000));
      // Midway: once half the wave is out (within the window or after it), the phase's fault is injected.
      const fault = (async () => {
        if (!midway) return;
        while (relay.total() - sentBefore < size / 2) await new Promise((r) => setTimeout(r, 100));
        killed = true;
        await midway();
      })();
      const load = await drive(live, tokens, cookie, dashboard, window);
      const seconds = (performance.now() - started) / 1000;
      const sentInWindow = relay.total() - sentBefore;
      // The wave runs to its end: every delivery sent or ambiguous (an expired claim takes a lease to come back).
      await fault;
      for (;;) {
        const c = await waveCounts(db, waveId);
        if ((c.sent ?? 0) + (c.ambiguous ?? 0) + (c.failed ?? 0) + (c.bounced ?? 0) >= size) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const wholeWave = (performance.now() - started) / 1000;
      return { name, size, waveId, load, seconds, sentInWindow, wholeWave, killed };
    };

    console.log(`cluster bench: one instance, wave of ${ONE_SIZE}, ${SECONDS} s of load`);
    const one = await phase('one', ONE_SIZE, () => [ports[0]!]);

    instances.push(await startInstance(env, ports[1]!), await startInstance(env, ports[2]!));
    let up = [...ports];
    console.log(`cluster bench: three instances, wave of ${SIZE}, one SIGKILLed once half is sent`);
    const three = await phase(
      'three',
      SIZE,
      () => up,
      async () => {
        const victim = instances[1]!;
        up = [ports[0]!, ports[2]!];
        victim.child.kill('SIGKILL');
        await victim.exited;
        instances[1] = await startInstance(env, ports[1]!);
        up = [...ports];
      },
    );

    // ---- Checks.
    const problems: string[] = [];
    for (const p of [one, three]) {
      const confirmed = [...p.load.confirmed];
      const stored = await db.query<{ n: number; rows: number }>(
        `SELECT count(DISTINCT d.id) AS n, count(r.id) AS rows FROM deliveries d JOIN responses r ON r.delivery_id = d.id
         WHERE d.wave_id = $1 AND d.token_hash = ANY($2::bytea[])`,
        [p.waveId, confirmed.map(hashToken)],
      );
      if (stored[0]!.n !== confirmed.length || stored[0]!.rows !== confirmed.length)
        problems.push(
          `${p.name}: ${confirmed.length} confirmed answers, ${stored[0]!.n} stored (${stored[0]!.rows} rows)`,
        );
    }
    const twice = [...relay.received.entries()].filter(([, n]) => n > 1);
    if (twice.length) problems.push(`${twice.length} recipients received more than one invitation`);
    const counts = { one: await waveCounts(db, one.waveId), three: await waveCounts(db, three.waveId) };
    const ambiguous = (counts.one.ambiguous ?? 0) + (counts.three.ambiguous ?? 0);
    const sent = (counts.one.sent ?? 0) + (counts.three.sent ?? 0);
    if (sent + ambiguous !== ONE_SIZE + SIZE) problems.push(`deliveries not all settled: ${JSON.stringify(counts)}`);
    if (relay.received.size < sent || relay.received.size > sent + ambiguous)
      problems.push(`relay got ${relay.received.size} recipients for ${sent} sent and ${ambiguous} ambiguous`);

    const rates = (p: typeof one) => ({
      answersPerSecond: Math.round(p.load.confirmed.size / p.seconds),
      dashboardReadsPerSecond: Math.round((p.load.reads / p.seconds) * 10) / 10,
      sendsPerSecond: Math.round(p.sentInWindow / p.seconds),
      waveSeconds: Math.round(p.wholeWave),
      postFailures: p.load.postFailures,
      readFailures: p.load.readFailures,
    });
    const r1 = rates(one);
    const r3 = rates(three);
    const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 100) / 100 : null);
    const result = {
      bench: 'cluster',
      seconds: SECONDS,
      waves: { one: ONE_SIZE, three: SIZE },
      one: r1,
      three: { ...r3, killedMidway: three.killed },
      threeOverOne: {
        answers: ratio(r3.answersPerSecond, r1.answersPerSecond),
        dashboardReads: ratio(r3.dashboardReadsPerSecond, r1.dashboardReadsPerSecond),
        sends: ratio(r3.sendsPerSecond, r1.sendsPerSecond),
      },
      ambiguous,
      recipientsReceivedTwice: twice.length,
      problems,
      ok: problems.length === 0,
      cores: (await import('node:os')).cpus().length,
    };
    for (const p of problems) console.log(`PROBLEM: ${p}`);
    console.log(JSON.stringify(result));
    if (problems.length) process.exitCode = 1;
  } finally {
    for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGTERM');
    await Promise.all(instances.map((i) => i.exited));
    agent.destroy();
    await relay.close();
    await database.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
