import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pipeline } from 'node:stream/promises';
import { createTestApp, csrfFrom, signedInAgent, type TestApp } from '../helpers/testApp';
import { runImport, stat } from '../helpers/audience';

const ROWS = 100_000;
/** A safety net for a stuck run only (see tests/helpers/wait.ts): 100,000 rows on a loaded machine take minutes. */
const SCALE_WAIT_MS = 15 * 60_000;
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let file: string;

/** A CRM-like export, written as a stream so the test itself never holds it either. */
async function writeCsv(target: string, rows: number) {
  await pipeline(
    Readable.from(
      (function* () {
        yield 'email,first name,last name,locale,plan,company,region,notes\n';
        for (let i = 0; i < rows; i++) {
          yield `person${i}@example.com,First${i},Last${i},${['en', 'fr', 'de', 'es'][i % 4]},${i % 3 ? 'pro' : 'free'},Company ${i % 997},${['eu', 'us', 'apac'][i % 3]},"Customer since ${2000 + (i % 25)}, account ${i}"\n`;
        }
      })(),
    ),
    fs.createWriteStream(target),
  );
}

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-import-'));
  file = path.join(dir, 'crm-export.csv');
  await writeCsv(file, ROWS);
});
afterAll(async () => {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  await t.close();
});

it(
  'imports 100,000 rows through the upload form with memory staying flat (the file is never held whole)',
  async () => {
    const size = fs.statSync(file).size;
    const page = await agent.get('/contacts/imports').expect(200);
    const csrf = csrfFrom(page.text);

    // What the heap holds, not the garbage it has yet to collect: measured right after a full collection.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const retained = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers; // Buffers live outside the JS heap
    };
    const base = retained();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, retained())), 2500);
    try {
      const uploaded = await agent.post('/contacts/imports').field('_csrf', csrf).attach('file', file).expect(303);
      peak = Math.max(peak, retained());
      // This test is about memory, not speed: wait for the import's state, however long a loaded machine takes.
      const done = await runImport(agent, uploaded.headers.location!, {}, SCALE_WAIT_MS);
      expect(done).toContain('Import finished.');
      expect([stat(done, 'rows'), stat(done, 'added'), stat(done, 'refused')]).toEqual([ROWS, ROWS, 0]);
    } finally {
      clearInterval(sampler);
    }
    const growth = peak - base;
    // Measured here: 7–15 MB retained at most, whatever the row count (a pool's and a parser's buffers).
    // Holding the parsed rows would take several times the file's 10 MB; this bound leaves room for noise.
    expect(size).toBeGreaterThan(9 * 2 ** 20);
    expect(growth).toBeLessThan(2 * size);
    const sample = await t.db.one('SELECT name, locale, properties FROM contacts WHERE email = :e', {
      e: 'person4321@example.com',
    });
    expect(sample).toEqual({
      name: 'First4321 Last4321',
      locale: 'fr',
      properties: { plan: 'pro', company: 'Company 333', region: 'us', notes: 'Customer since 2021, account 4321' },
    });
  },
  SCALE_WAIT_MS + 60_000,
);
