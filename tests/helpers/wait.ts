/**
 * How long a test waits for a state it expects (an import to finish, a page to show a text) before calling it
 * stuck. A safety net against hangs, never a claim about speed: tests wait on events and state, and this is
 * far above what anything takes even on a loaded 2-core machine. Below Jest's own testTimeout, so a stuck
 * wait reports what it waited for. TEST_WAIT_MS changes it.
 */
export const WAIT_MS = Number(process.env.TEST_WAIT_MS ?? 120_000);

/**
 * Polls a state until it holds, for up to WAIT_MS (a net against hangs, not a speed limit); a stuck wait fails
 * saying what it waited for.
 */
export async function waitFor(check: () => Promise<boolean> | boolean, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Waited ${WAIT_MS / 1000} s for ${what}; it never held.`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
