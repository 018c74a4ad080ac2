import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net';
import { WAIT_MS } from './wait';

/**
 * A real IMAP server for a test: Debian's dovecot (dovecot-imapd, installed by .ci/run), run in the foreground as
 * the test's own process with its own configuration in a temporary folder: one passwd-file user, a maildir, plain
 * IMAP on a free loopback port. `stop()` and `start()` again take it away and bring it back (same port, same mail).
 */
export async function startDovecot(user = 'team', password = 'secret-password') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-dovecot-'));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  // As root dovecot refuses to serve mail as root: the maildir belongs to nobody. Otherwise, to whoever runs it.
  const mailUser = root
    ? { name: 'nobody', uid: 65534, gid: 65534 }
    : { name: os.userInfo().username, uid: process.getuid!(), gid: process.getgid!() };
  const internalUser = root ? 'dovecot' : mailUser.name;
  const loginUser = root ? 'dovenull' : mailUser.name;
  fs.mkdirSync(path.join(dir, 'mail'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  if (root) {
    fs.chmodSync(dir, 0o755);
    fs.chownSync(path.join(dir, 'mail'), mailUser.uid, mailUser.gid);
  }
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = rapport-test-${port}
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mailUser.uid, 500)}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUser.uid} gid=${mailUser.gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );

  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn('/usr/sbin/dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('error', () => undefined);
    child = proc;
    const deadline = Date.now() + WAIT_MS;
    // Ready when it answers the IMAP greeting on its port.
    while (!(await greets(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        const log = fs.existsSync(path.join(dir, 'dovecot.log'))
          ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8')
          : '';
        throw new Error(`dovecot did not start: ${stderr}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `imap://${user}:${password}@127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    user,
    password,
    start,
    stop,
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Dovecot = Awaited<ReturnType<typeof startDovecot>>;

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(1000);
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('* OK'));
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}
