import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { seedSurvey } from '../factories/respondent';
import { waitFor } from '../helpers/wait';

/**
 * Exports at size, through a real HTTP server: a 100,000-row CSV streams with flat memory, and a client that
 * walks away mid-export leaves no query running and no connection lost.
 */
let t: TestApp;
let server: http.Server;
let base: string;
let cookie: string;
let surveyId: string;
const ROWS = 100_000;

beforeAll(async () => {
  t = await createTestApp();
  const agent = await signedInAgent(t.app);
  // The signed-in session, reused by plain node:http requests that stream the body instead of buffering it.
  const page = await agent.get('/surveys').expect(200);
  cookie = (page.request as unknown as { cookies: string }).cookies ?? '';
  const workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, {
    questions: [
      { id: 'nps', type: 'nps', text: 'Recommend us?', required: true },
      { id: 'why', type: 'long_text', text: 'Why?', required: false },
    ],
  });
  await t.db.query(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, submitted_at)
     SELECT :workspaceId, :surveyId, 1, i % 11, jsonb_build_object('nps', i % 11, 'why', 'Answer number ' || i || ' with some words in it'),
       now() - make_interval(secs => i)
     FROM generate_series(1, :rows) i RETURNING 1`,
    { workspaceId, surveyId, rows: ROWS },
  );
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

function get(path: string, onResponse: (res: http.IncomingMessage, req: http.ClientRequest) => void) {
  const req = http.get(`${base}${path}`, { headers: { cookie } }, (res) => onResponse(res, req));
  req.on('error', () => undefined);
  return req;
}

it('streams a 100,000-row CSV with flat memory (peak growth well under 100 MB)', async () => {
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  const { status, bytes, lines } = await new Promise<{ status: number; bytes: number; lines: number }>(
    (resolve, reject) =>
      get(`/surveys/${surveyId}/export.csv`, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (const b of chunk) if (b === 10) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
        res.on('error', reject);
      }),
  );
  clearInterval(sampler);
  expect(status).toBe(200);
  expect(lines).toBe(ROWS + 1);
  expect(bytes).toBeGreaterThan(ROWS * 60);
  const mb = (n: number) => n / 2 ** 20;
  // Buffering the whole file would hold every byte of it (several MB here, hundreds at 10M rows) at once.
  expect(mb(peakRss - before.rss)).toBeLessThan(100);
  expect(mb(peakHeap - before.heapUsed)).toBeLessThan(100);
}, 120_000);

it('a client that disconnects mid-export leaves no query running and every connection usable', async () => {
  const activeCopies = async () =>
    Number(
      (await t.db.one<{ n: number }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state = 'active' AND pid <> pg_backend_pid()`,
      ))!.n,
    );
  // More walk-aways than the exports allowed at once: none may hold its slot (or its connection) after.
  for (let i = 0; i < 4; i++) {
    await new Promise<void>((resolve) =>
      get(`/surveys/${surveyId}/export.${i % 2 ? 'jsonl' : 'csv'}`, (res, req) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      }),
    );
  }
  await waitFor(async () => (await activeCopies()) === 0, 'the aborted exports to end their COPY');
  // The app still answers, and a full export still runs to the end.
  const lines = await new Promise<number>((resolve) =>
    get(`/surveys/${surveyId}/export.jsonl`, (res) => {
      expect(res.statusCode).toBe(200);
      let n = 0;
      res.on('data', (chunk: Buffer) => {
        for (const b of chunk) if (b === 10) n++;
      });
      res.on('end', () => resolve(n));
    }),
  );
  expect(lines).toBe(ROWS);
}, 120_000);
