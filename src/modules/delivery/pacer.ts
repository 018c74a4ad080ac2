/**
 * Spaces message starts evenly to honour a send rate (messages per minute; 0 = as fast as the relay takes
 * them). Per process: N instances send at up to N times the rate. A wait can be cut short by stop().
 */
export function createPacer(perMinute: number, clock: () => number = Date.now) {
  const gapMs = perMinute > 0 ? 60_000 / perMinute : 0;
  let nextAt = 0;
  const sleepers = new Set<() => void>();
  return {
    /** Resolves true when this message may start, false if the pacer was stopped while waiting. */
    async take(): Promise<boolean> {
      if (!gapMs) return true;
      const now = clock();
      const at = Math.max(now, nextAt);
      nextAt = at + gapMs;
      if (at <= now) return true;
      return new Promise<boolean>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          sleepers.delete(wake);
          resolve(false);
        };
        const timer = setTimeout(() => {
          sleepers.delete(wake);
          resolve(true);
        }, at - now);
        sleepers.add(wake);
      });
    },
    /** How many messages the rate allows in this many seconds (for sizing a claim to fit its lease). */
    allowance: (seconds: number) => (gapMs ? Math.max(1, Math.floor((seconds * 1000) / gapMs)) : Infinity),
    stop() {
      for (const wake of [...sleepers]) wake();
    },
  };
}
export type Pacer = ReturnType<typeof createPacer>;
