import { loadConfig } from '../config';
import { createDb } from '../platform/db';
import { embeddedAnswers, embeddedUrls, startEmbeddedPostgres } from '../platform/embeddedPostgres';
import { migrate } from '../platform/migrator';
import { resolveSecretKey } from '../platform/secrets';
import { createSealer } from '../platform/tokens';
import { demoService } from '../modules/demo';
import { run } from './embedded';

// npm run demo: a demo workspace with a year of data, in the database Rapport uses (DATABASE_URL, or the
// embedded one — while Rapport runs on it, or started for the demo and stopped after).
run(async () => {
  const config = loadConfig();
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const { dir, port } = config.embeddedPg;
    if (await embeddedAnswers(port)) url = embeddedUrls(port).url;
    else {
      const embedded = await startEmbeddedPostgres({ dir, port });
      stopEmbedded = embedded.stop;
      url = embedded.url;
    }
  }
  const db = createDb(url);
  try {
    await migrate(db);
    const { key } = await resolveSecretKey(db, config.secretKey);
    console.log('Making the demo workspace (a year of pulse surveys)…');
    const demo = await demoService(db, createSealer(key)).create();
    console.log(
      `\nDemo workspace "Lumen Bikes" is ready: ${demo.surveys} surveys, ${demo.contacts} contacts, ` +
        `${demo.answers} answers and ${demo.replies} replies over twelve months.\n\n` +
        `  Sign in at ${config.publicUrl}/login\n` +
        `  email:    ${demo.email}\n` +
        `  password: ${demo.password}\n\n` +
        (stopEmbedded ? 'Start Rapport with npm start if it is not running.\n' : ''),
    );
  } finally {
    await db.close();
    await stopEmbedded?.();
  }
});
