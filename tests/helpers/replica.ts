import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './net';

/** Debian's PostgreSQL 15 (the embedded binaries carry no pg_basebackup). */
export const PG15_BIN = '/usr/lib/postgresql/15/bin';
export const hasPg15 = () => fs.existsSync(path.join(PG15_BIN, 'pg_basebackup'));

/**
 * A real primary and a real streaming replica of it, in a temporary folder, on ports of their own: initdb, then
 * pg_basebackup -R (standby.signal and primary_conninfo), both started with pg_ctl. Nothing else on the
 * machine is touched (the server on 5432 included). As root, both run as the `postgres` user, as initdb demands.
 */
export async function startStreamingPair() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-replica-'));
  fs.chmodSync(dir, 0o755);
  const asPostgres = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (asPostgres) fs.chownSync(dir, asPostgres.uid, asPostgres.gid);
  const run = (bin: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(path.join(PG15_BIN, bin), args, {
        cwd: dir,
        ...(asPostgres ?? {}),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (out += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}: ${out}`))));
    });
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primary = path.join(dir, 'primary');
  const replica = path.join(dir, 'replica');
  const settings = (port: number) =>
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      // A test's speed, not a server's safety: nothing here needs to survive a power cut.
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'wal_level = replica',
      'max_wal_senders = 4',
      'hot_standby = on',
    ].join('\n');
  const started: string[] = [];
  const stop = async () => {
    for (const data of started.reverse())
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('initdb', ['-D', primary, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    fs.appendFileSync(primary + '/postgresql.conf', `\n${settings(primaryPort)}\n`);
    await run('pg_ctl', ['-D', primary, '-l', path.join(dir, 'primary.log'), '-w', 'start']);
    started.push(primary);
    // -R writes standby.signal and the primary_conninfo; -X stream brings the WAL written meanwhile.
    await run('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
      ...['-D', replica, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync'],
    ]);
    fs.appendFileSync(replica + '/postgresql.conf', `\nport = ${replicaPort}\n`);
    await run('pg_ctl', ['-D', replica, '-l', path.join(dir, 'replica.log'), '-w', 'start']);
    started.push(replica);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = (port: number, db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const sql = async <T>(port: number, text: string, db?: string) => {
    const client = new Client({ connectionString: url(port, db) });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    primaryUrl: (db?: string) => url(primaryPort, db),
    replicaUrl: (db?: string) => url(replicaPort, db),
    onPrimary: <T = Record<string, unknown>>(text: string, db?: string) => sql<T>(primaryPort, text, db),
    onReplica: <T = Record<string, unknown>>(text: string, db?: string) => sql<T>(replicaPort, text, db),
    /** Replay stops (WAL still arrives): the replica falls behind by whatever is written from now on. */
    pauseReplay: () => sql(replicaPort, 'SELECT pg_wal_replay_pause()'),
    resumeReplay: () => sql(replicaPort, 'SELECT pg_wal_replay_resume()'),
    /** Whether the replica has replayed everything the primary has written so far. */
    caughtUp: async () => {
      const [p] = await sql<{ lsn: string }>(primaryPort, 'SELECT pg_current_wal_lsn()::text AS lsn');
      const [r] = await sql<{ ok: boolean }>(
        replicaPort,
        `SELECT pg_last_wal_replay_lsn() >= '${p!.lsn}'::pg_lsn AS ok`,
      );
      return !!r?.ok;
    },
    /** The replica goes away (fast shutdown), as a crashed or unreachable one would. */
    stopReplica: () => run('pg_ctl', ['-D', replica, '-m', 'fast', '-w', 'stop']),
    stop,
  };
}

function postgresUser() {
  const passwd = fs.readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('No postgres user to run PostgreSQL as (initdb refuses root).');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
