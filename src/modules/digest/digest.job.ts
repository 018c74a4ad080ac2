import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { hashToken, newToken, type Sealer } from '../../platform/tokens';
import type { Teammates } from '../accounts';
import type { InsightsService } from '../insights';
import { digestRepository } from './digest.repository';
import { digestWeek } from './week';

/**
 * The weekly digest's timekeeper. Every minute, on every instance: in each workspace whose week's hour has come
 * (Monday DIGEST_HOUR in the workspace's time zone, by the database clock), each teammate who asked for it and
 * has no digest for that week (its local Monday) gets one queued, its numbers worked out by the insights module
 * once per workspace. One instance at a time does it (an advisory lock, so the numbers
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
    // Each workspace's week, and whether its digest is due yet, in its own time zone.
    const subscribers = (await o.people.digestSubscribers())
      .map((s) => ({ ...s, ...digestWeek(now, s.timeZone) }))
      .filter((s) => now >= s.dueAt);
    if (!subscribers.length) return { queued: 0 };
    const queued = await o.db.transaction(async (tx) => {
      if (!(await repo.tryLock(tx))) return 0;
      const done = new Set<string>();
      for (const week of new Set(subscribers.map((s) => s.week)))
        for (const key of await repo.queuedFor(
          week,
          subscribers.filter((s) => s.week === week).map((s) => s.userId),
          tx,
        ))
          done.add(`${key} ${week}`);
      // A person in several workspaces gets each one's digest.
      const due = subscribers.filter((s) => !done.has(`${s.userId} ${s.workspaceId} ${s.week}`));
      let n = 0;
      for (const workspaceId of new Set(due.map((s) => s.workspaceId))) {
        const people = due.filter((s) => s.workspaceId === workspaceId);
        const { week } = people[0]!;
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
      o.log.info({ queued }, 'weekly digests queued');
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
