import cron from 'node-cron';
import type { Logger } from '../platform/logger';

export type Tickable = { tick: () => Promise<unknown> };

/**
 * A node-cron entry of a process (the pulse engine; the insights rollup compactor): every minute, ask the
 * pulse engine what is due. It only wakes the
 * engine; which slots are due is decided by the engine from the database clock, so instances with drifting
 * clocks (or several instances at once) still open each slot exactly once.
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
