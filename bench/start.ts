import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../tests/helpers/net';
import { ms, now } from './support';

/**
 * How long a newcomer waits: a copy of this working tree (what git tracks, plus new files not ignored) in a
 * temporary folder, a fresh `npm ci`, then `npm start` twice on a fresh embedded PostgreSQL data folder, each
 * timed from the command until the URL is printed. The first start builds dist/ and initialises the data
 * folder; the second must do neither. Baseline: node printing a line after listening on a port, through npm
 * the same way. Goals (issue 14): first ≤ 20 s, second ≤ 5 s on a 2-core machine.
 *
 * BENCH_LINK_MODULES=1 links this tree's node_modules instead of running `npm ci` (a quicker look).
 */
const ROOT = path.resolve(__dirname, '..');
const URL_LINE = /Rapport is running at (http\S+)/;

function copyWorkingTree(to: string) {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  for (const f of files) fs.cpSync(path.join(ROOT, f), path.join(to, f), { recursive: true });
  return files.length;
}

/** Runs `npm <args>` in its own process group until `ready` matches its output; then stops the whole group. */
async function timeUntil(cwd: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv) {
  const started = now();
  // Its own group: SIGTERM to npm alone would leave node (and its PostgreSQL) running.
  const child = spawn('npm', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seconds = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve(ms(started) / 1000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    void exited.then((code) =>
      reject(new Error(`npm ${args.join(' ')} exited (${code}) before it was ready:\n${output}`)),
    );
  });
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return { seconds, output };
}

/** The app stops its PostgreSQL on SIGTERM; the next start must not find it still shutting down. */
async function waitForPostgresToStop(dataDir: string) {
  const deadline = Date.now() + 15_000;
  while (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL in ${dataDir} did not stop`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-start-'));
  fs.chmodSync(tmp, 0o755); // as root, the postgres user must be able to reach the binaries and the data
  const app = path.join(tmp, 'rapport');
  const dataDir = path.join(tmp, 'pg');
  try {
    const files = copyWorkingTree(app);
    let installSeconds: number | null = null;
    if (process.env.BENCH_LINK_MODULES === '1') {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
    } else {
      const started = now();
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: app, stdio: 'ignore' });
      installSeconds = ms(started) / 1000;
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      EMBEDDED_PG_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;

    fs.writeFileSync(
      path.join(tmp, 'bare.js'),
      `require('node:http').createServer().listen(${env.PORT}, () => console.log('listening'));`,
    );
    const bareDir = path.join(tmp, 'bare');
    fs.mkdirSync(bareDir);
    fs.writeFileSync(
      path.join(bareDir, 'package.json'),
      JSON.stringify({ name: 'bare', private: true, scripts: { start: 'node ../bare.js' } }),
    );
    const bare = await timeUntil(bareDir, ['start'], /listening/, env);

    const first = await timeUntil(app, ['start'], URL_LINE, env);
    await waitForPostgresToStop(dataDir);
    const second = await timeUntil(app, ['start'], URL_LINE, env);
    await waitForPostgresToStop(dataDir);
    if (/built \d+ files/.test(second.output)) throw new Error(`the second start rebuilt:\n${second.output}`);
    const buildMs = Number(/built \d+ files into dist\/ in (\d+) ms/.exec(first.output)?.[1] ?? NaN);

    const out = {
      bench: 'start',
      files,
      npmCiSeconds: installSeconds === null ? null : Number(installSeconds.toFixed(1)),
      firstStartSeconds: Number(first.seconds.toFixed(2)),
      firstStartBuildMs: buildMs,
      secondStartSeconds: Number(second.seconds.toFixed(2)),
      bareNpmStartSeconds: Number(bare.seconds.toFixed(2)),
      secondToBare: Number((second.seconds / bare.seconds).toFixed(1)),
      goals: { firstStartSeconds: 20, secondStartSeconds: 5 },
      met: first.seconds <= 20 && second.seconds <= 5,
      load: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
    console.log(
      `npm ci ${out.npmCiSeconds ?? 'skipped (linked)'} s; first start ${out.firstStartSeconds} s ` +
        `(build ${buildMs} ms); second start ${out.secondStartSeconds} s; bare npm start ${out.bareNpmStartSeconds} s`,
    );
    console.log(JSON.stringify(out));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
