import cron from 'node-cron';
import type { Logger } from '../platform/logger';

export type Tickable = { tick: () => Promise<unknown> };

/**
 * A node-cron entry of a process, every minute: the pulse engine (what is due), the insights rollup
 * compactor, the weekly digest or the retention sweep. It only wakes the job; what to do is decided from the
 * database (the pulse engine and the digest read its clock, the compactor and the digest take a lock, the sweep
 * locks its rows SKIP LOCKED), so instances with drifting clocks, or several at once, still do each piece of
 * work exactly once.
 */
export function startTicker(engine: Tickable, log: Logger, name = 'rapport-pulse') {
  const run = async () => {
    try {
      await engine.tick();
    } catch (err) {
      log.error({ err, job: name }, 'tick failed');
    }
  };
  const task = cron.schedule('* * * * *', run, { name, noOverlap: true });
  // A restarted instance catches up at once instead of waiting for the next minute.
  const first = run();
  return {
    async stop() {
      await task.destroy();
      await first;
    },
  };
}
