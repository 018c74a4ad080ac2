import path from 'node:path';
import { restoreEmbedded } from '../platform/backup';
import { embeddedTarget, run } from './embedded';

// npm run restore <file>: replaces the embedded database with a backup; Rapport must be stopped.
run(async () => {
  const target = embeddedTarget('pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" rapport.dump');
  if (!process.argv[2]) throw new Error('Which backup? npm run restore <file> (npm run backup prints the name).');
  const { dir, previous } = await restoreEmbedded(target, path.resolve(process.argv[2]));
  console.log(`Restored ${process.argv[2]} into ${dir}. Start Rapport with npm start.`);
  if (previous) console.log(`The data it replaced is in ${previous}: delete that folder once you are satisfied.`);
});
