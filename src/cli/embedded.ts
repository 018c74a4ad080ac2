import { ConfigError, loadConfig } from '../config';

/** The embedded database these commands work on, from the same settings as Rapport's (EMBEDDED_PG_DIR/PORT). */
export function embeddedTarget(externalCommand: string) {
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new ConfigError(
      `DATABASE_URL is set, so Rapport does not run the database: use your server's own tools, e.g.\n` +
        `  ${externalCommand}\n(see "Backups" in the README).`,
    );
  }
  return config.embeddedPg;
}

/** A one-shot command: its message on failure, exit 2 for a configuration problem and 1 for anything else. */
export function run(command: () => Promise<void>) {
  command().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.message);
      process.exit(err instanceof ConfigError ? 2 : 1);
    },
  );
}
