import fs from 'node:fs';

export default async function globalTeardown() {
  const pg = (globalThis as { __rapportTestPg?: { stop: () => Promise<void>; dir: string } }).__rapportTestPg;
  if (!pg) return;
  await pg.stop();
  fs.rmSync(pg.dir, { recursive: true, force: true });
}
