import { ConfigError, loadConfig } from './config';
import { createLogger } from './platform/logger';
import { startRapport, type Rapport } from './boot';

/** How long a doomed process may spend stopping cleanly before it exits regardless. */
const FATAL_STOP_MS = 10_000;

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const started: { rapport?: Rapport } = {};
  const rapport = await startRapport(config, log, {
    // Nothing left to do here: stop what still runs, and exit non-zero so the supervisor starts a fresh process.
    // A clean stop can hang on a dead database (a connection that never answers): it gets FATAL_STOP_MS, then the
    // process exits anyway, since a process that cannot work must not linger as "running".
    onFatal: () => {
      setTimeout(() => process.exit(1), FATAL_STOP_MS).unref();
      void (started.rapport?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
    },
  }).catch((err: Error) => {
    log.fatal(err.message);
    process.exit(1);
  });
  started.rapport = rapport;
  log.info(`Rapport is running at ${rapport.url}`);
  console.log(`\n  Rapport is running at ${rapport.url}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    rapport.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
