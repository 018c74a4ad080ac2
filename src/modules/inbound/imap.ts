import { ImapFlow } from 'imapflow';
import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { InboundService } from './inbound.service';

export type ImapOptions = {
  db: Db;
  log: Logger;
  receive: InboundService['receive'];
  /** imap[s]://user:password@host[:port] (IMAP_URL). */
  url: string;
  /** How often to look (IMAP_POLL_SECONDS). */
  pollMs: number;
  /** After a message is stored: moved to this folder (IMAP_MOVE_TO), else only marked seen. */
  moveTo?: string;
  maxBytes: number;
  /** Messages taken per poll; the rest wait for the next one. */
  batch?: number;
  timeoutMs?: number;
};

/** One poll at a time across all instances: the mailbox is one, and its messages are taken in one place. */
const LOCK = `SELECT pg_try_advisory_xact_lock(hashtext('rapport:inbound:imap')) AS ok`;

/**
 * Polls a mailbox the team already has (IMAP_URL) for unseen messages in INBOX and feeds each into the inbound
 * path, then marks it seen (or moves it). Every instance ticks; the one that takes the database lock polls, so
 * the mailbox is read once per round. A message is marked only after it is stored, so a crash in between at
 * worst reads it again next time, and the Message-ID stores it once. A connection per poll: a server that went
 * away (restart, network) is just a failed poll, logged, and the next one connects again.
 */
export function imapPoller(o: ImapOptions) {
  const url = new URL(o.url);
  const secure = url.protocol === 'imaps:';
  const batch = o.batch ?? 100;
  const timeoutMs = o.timeoutMs ?? 30_000;

  async function drain(client: ImapFlow) {
    const lock = await client.getMailboxLock('INBOX');
    let stored = 0;
    try {
      const uids = (await client.search({ seen: false }, { uid: true })) || [];
      for (const uid of uids.slice(0, batch)) {
        const meta = await client.fetchOne(String(uid), { size: true }, { uid: true });
        if (meta && (meta.size ?? 0) > o.maxBytes) {
          // Too big to take: left where it is, seen, so a person can look at it in their own mail client.
          o.log.warn({ uid, size: meta.size }, 'inbound IMAP message over the size limit; marked seen, not stored');
          await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
          continue;
        }
        const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (!msg || !msg.source) continue;
        await o.receive(msg.source, { source: 'imap' });
        stored++;
        if (o.moveTo) await client.messageMove(String(uid), o.moveTo, { uid: true });
        else await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
    return stored;
  }

  /** One round: under the lock, connect, take what is new, leave. Resolves with how many messages were taken. */
  async function pollOnce(): Promise<number | 'busy'> {
    return o.db.transaction(async (tx) => {
      const got = await o.db.one<{ ok: boolean }>(LOCK, {}, tx);
      if (!got?.ok) return 'busy';
      const client = new ImapFlow({
        host: url.hostname,
        port: Number(url.port) || (secure ? 993 : 143),
        secure,
        auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
        logger: false,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      // A dropped connection is reported here as well as to the pending command: heard, never the end of the app.
      client.on('error', (err: Error) => o.log.warn({ err }, 'inbound IMAP connection error'));
      await client.connect();
      try {
        return await drain(client);
      } finally {
        await client.logout().catch(() => client.close());
      }
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    running = pollOnce()
      .catch((err: Error) => o.log.warn({ err: { message: err.message } }, 'inbound IMAP poll failed; trying again'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, o.pollMs);
      });
  };

  return {
    pollOnce,
    start() {
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
export type ImapPoller = ReturnType<typeof imapPoller>;
