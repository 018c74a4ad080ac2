import path from 'node:path';
import { backupEmbedded } from '../platform/backup';
import { embeddedTarget, run } from './embedded';

// npm run backup [file]: the embedded database, whether Rapport is running or not.
run(async () => {
  const target = embeddedTarget('pg_dump --format=custom --file=rapport.dump "$DATABASE_URL"');
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const file = path.resolve(
    process.argv[2] ?? path.join(path.dirname(target.dir), 'backups', `rapport-${stamp}.tar.gz`),
  );
  const { bytes } = await backupEmbedded(target, file);
  console.log(`Backed up ${target.dir} to ${file} (${(bytes / 1024 / 1024).toFixed(1)} MiB).`);
  console.log(`Restore it with: npm run restore ${file}`);
});
