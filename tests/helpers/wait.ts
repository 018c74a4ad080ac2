/**
 * How long a test waits for a state it expects (an import to finish, a page to show a text) before calling it
 * stuck. A safety net against hangs, never a claim about speed: tests wait on events and state, and this is
 * far above what anything takes even on a loaded 2-core machine. Below Jest's own testTimeout, so a stuck
 * wait reports what it waited for. TEST_WAIT_MS changes it.
 */
export const WAIT_MS = Number(process.env.TEST_WAIT_MS ?? 120_000);
