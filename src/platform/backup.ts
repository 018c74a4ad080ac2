import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import * as tar from 'tar';
import { embeddedAnswers, embeddedUrls, startEmbeddedPostgres, stopOrphanedPostmaster } from './embeddedPostgres';

/**
 * Backups of the embedded PostgreSQL. The embedded package ships only initdb, pg_ctl and postgres — no
 * pg_dump, and the system's older pg_dump refuses a newer server — so a backup is PostgreSQL's own online
 * base backup (the low-level API under pg_basebackup): pg_backup_start, a copy of the data folder while the
 * server keeps running, pg_backup_stop, and the write-ahead log written in between. Starting PostgreSQL on the
 * copy replays that log up to the end of the backup, so the result is consistent however busy Rapport was.
 * It restores with the same PostgreSQL major version (the one in node_modules), which is what the embedded
 * mode runs; an external server is backed up with its own pg_dump (README).
 */
type Embedded = { dir: string; port: number };

// What PostgreSQL's documentation says a base backup leaves out: rebuilt at start, or meaningless in a copy
// (our own temporary replication slot lives in pg_replslot).
const EMPTY_IN_COPY = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
const LEFT_OUT = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'pg_internal.init']);

export async function backupEmbedded(db: Embedded, file: string): Promise<{ file: string; bytes: number }> {
  const dir = path.resolve(db.dir);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION')))
    throw new Error(`No PostgreSQL data in ${dir}: nothing to back up.`);
  // Rapport (or a postgres it left behind) may be running: back up from it. Otherwise start it for the backup.
  const server = (await embeddedAnswers(db.port)) ? undefined : await startEmbeddedPostgres({ dir, port: db.port });
  const client = new pg.Client({ connectionString: embeddedUrls(db.port).adminUrl });
  // The copy is staged beside the backup file, on the disk its owner chose for it (not a small /tmp).
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(file), '.rapport-backup-'));
  const partial = `${file}.partial`;
  try {
    await client.connect();
    const served = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
    if (path.resolve(served) !== dir)
      throw new Error(`Port ${db.port} is served by a PostgreSQL with its data in ${served}, not ${dir}.`);
    // A temporary slot keeps every WAL segment from here on: a checkpoint during the copy cannot recycle one
    // the backup needs. It goes away with this connection.
    await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [`rapport_backup_${process.pid}`]);
    const first = (
      await client.query<{ wal: string }>('SELECT pg_walfile_name(pg_backup_start($1, true)) AS wal', [
        `rapport ${new Date().toISOString()}`,
      ])
    ).rows[0]!.wal;
    const data = path.join(staging, 'data');
    copyDataFolder(dir, data);
    const stop = (
      await client.query<{ wal: string; labelfile: string; spcmapfile: string }>(
        'SELECT pg_walfile_name(lsn) AS wal, labelfile, spcmapfile FROM pg_backup_stop(false)',
      )
    ).rows[0]!;
    fs.writeFileSync(path.join(data, 'backup_label'), stop.labelfile);
    if (stop.spcmapfile) fs.writeFileSync(path.join(data, 'tablespace_map'), stop.spcmapfile);
    // Segment names sort in log order within a timeline: keep those from the start of the backup to its end.
    for (const name of fs.readdirSync(path.join(dir, 'pg_wal'))) {
      const segment = /^[0-9A-F]{24}$/.test(name) && name >= first && name <= stop.wal;
      if (segment || name.endsWith('.history'))
        fs.copyFileSync(path.join(dir, 'pg_wal', name), path.join(data, 'pg_wal', name));
    }
    // It holds every password hash and, unless SECRET_KEY is set outside, the key: for the owner's eyes only.
    await tar.c({ gzip: true, file: partial, mode: 0o600, cwd: staging, portable: true }, ['data']);
    fs.renameSync(partial, file);
    return { file, bytes: fs.statSync(file).size };
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    await client.end().catch(() => undefined);
    await server?.stop();
  }
}

/**
 * Replaces the embedded data folder with a backup. Refused while Rapport runs on it. The backup is unpacked
 * beside the folder and started once (PostgreSQL replays its log) before anything is thrown away; the data
 * it replaces is kept as `<folder>.before-restore-<time>`. If the backup does not start, nothing changes.
 */
export async function restoreEmbedded(db: Embedded, file: string): Promise<{ dir: string; previous?: string }> {
  const dir = path.resolve(db.dir);
  if (!fs.existsSync(file)) throw new Error(`No such backup file: ${file}`);
  try {
    if (fs.existsSync(dir)) stopOrphanedPostmaster(dir); // a postgres left behind by a crash is stopped
  } catch {
    throw new Error(`Rapport is running on ${dir}: stop it first (Ctrl-C or SIGTERM), then restore.`);
  }
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const incoming = `${dir}.restoring-${stamp}`;
  fs.mkdirSync(incoming, { recursive: true, mode: 0o700 });
  let previous: string | undefined;
  try {
    await tar.x({ file, cwd: incoming, strip: 1, preserveOwner: false, filter: (p) => p.startsWith('data/') });
    if (!fs.existsSync(path.join(incoming, 'PG_VERSION')) || !fs.existsSync(path.join(incoming, 'backup_label')))
      throw new Error(`${file} is not a Rapport backup (made by npm run backup).`);
    fs.chmodSync(incoming, 0o700); // PostgreSQL refuses a data folder others can read
    if (owner) chownTree(incoming, owner.uid, owner.gid);
    if (fs.existsSync(dir)) fs.renameSync(dir, (previous = `${dir}.before-restore-${stamp}`));
    fs.renameSync(incoming, dir);
    const server = await startEmbeddedPostgres({ dir, port: db.port });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query('SELECT count(*) FROM schema_migrations').finally(() => client.end());
    } finally {
      await server.stop();
    }
    return { dir, previous };
  } catch (err) {
    // Back to how it was: the data folder as before, no half-restored copy lying around.
    if (!fs.existsSync(incoming)) fs.renameSync(dir, incoming);
    if (previous) fs.renameSync(previous, dir);
    throw err;
  } finally {
    fs.rmSync(incoming, { recursive: true, force: true });
  }
}

function copyDataFolder(from: string, to: string, top = true) {
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (LEFT_OUT.has(entry.name) || entry.name.startsWith('pgsql_tmp')) continue;
    if (entry.isDirectory()) {
      if (top && EMPTY_IN_COPY.has(entry.name)) fs.mkdirSync(target, { mode: 0o700 });
      else copyDataFolder(source, target, false);
    } else if (entry.isFile()) {
      try {
        fs.copyFileSync(source, target);
      } catch (err) {
        // A table dropped while we copy: the log replayed at start says it is gone.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  if (top) fs.mkdirSync(path.join(to, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
}

function postgresUser() {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'As root, PostgreSQL runs as the user "postgres", which does not exist yet: run npm start once first.',
    );
  }
}

function chownTree(target: string, uid: number, gid: number) {
  fs.chownSync(target, uid, gid);
  if (!fs.statSync(target).isDirectory()) return;
  for (const name of fs.readdirSync(target)) chownTree(path.join(target, name), uid, gid);
}
