import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { hashToken, newToken, type Sealer } from '../../platform/tokens';
import type { Teammates } from '../accounts';
import type { InsightsService } from '../insights';
import { digestRepository } from './digest.repository';

/** Digests go out on Mondays from this hour (UTC), for the week that starts that Monday. */
export const DIGEST_HOUR_UTC = 8;

/** The Monday (UTC) of the week `now` is in, as YYYY-MM-DD. */
export function mondayOf(now: Date) {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/**
 * The weekly digest's timekeeper. Every minute, on every instance: once the week's hour has come (database
 * clock), each teammate who asked for it and has no digest for this week gets one queued, its numbers worked out
 * by the insights module once per workspace. One instance at a time does it (an advisory lock, so the numbers
 * are not worked out twice), and the unique key (teammate, workspace, week) makes it one digest whatever
 * happens: two instances, two ticks, a crash between the two. A teammate who opts in mid-week gets this week's
 * at the next tick. A workspace with nothing to report records the week as done, sending nothing.
 */
export function createDigestJob(o: {
  db: Db;
  insights: Pick<InsightsService, 'digest'>;
  people: Pick<Teammates, 'digestSubscribers'>;
  sealer: Sealer;
  log: Logger;
  onQueued: () => void;
}) {
  const repo = digestRepository(o.db);

  async function runDue(now: Date) {
    const week = mondayOf(now);
    if (now.getTime() < Date.parse(`${week}T00:00:00Z`) + DIGEST_HOUR_UTC * 3_600_000) return { queued: 0 };
    const subscribers = await o.people.digestSubscribers();
    if (!subscribers.length) return { queued: 0 };
    const queued = await o.db.transaction(async (tx) => {
      if (!(await repo.tryLock(tx))) return 0;
      const done = new Set(
        await repo.queuedFor(
          week,
          subscribers.map((s) => s.userId),
          tx,
        ),
      );
      // A person in several workspaces gets each one's digest.
      const due = subscribers.filter((s) => !done.has(`${s.userId} ${s.workspaceId}`));
      let n = 0;
      for (const workspaceId of new Set(due.map((s) => s.workspaceId))) {
        const people = due.filter((s) => s.workspaceId === workspaceId);
        try {
          const surveys = await o.insights.digest({
            id: workspaceId,
            anonymityThreshold: people[0]!.anonymityThreshold,
          });
          for (const p of people) {
            const token = newToken();
            const made = await repo.queue(
              {
                workspaceId,
                userId: p.userId,
                week,
                content: { surveys },
                commentIds: surveys.flatMap((s) => s.commentIds),
                tokenHash: hashToken(token),
                tokenSealed: o.sealer.seal(token),
                nothing: !surveys.length,
              },
              tx,
            );
            if (made && surveys.length) n++;
          }
        } catch (err) {
          // One workspace's failure leaves the others' digests alone; it is tried again next minute.
          o.log.error({ err, workspace: workspaceId }, 'could not prepare the weekly digest');
        }
      }
      return n;
    });
    if (queued) {
      o.log.info({ week, queued }, 'weekly digests queued');
      o.onQueued();
    }
    return { queued };
  }

  return {
    runDue,
    tick: async () => runDue((await o.db.one<{ now: Date }>('SELECT now() AS now'))!.now),
  };
}
export type DigestJob = ReturnType<typeof createDigestJob>;
