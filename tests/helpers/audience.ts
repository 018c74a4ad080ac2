import request from 'supertest';
import { csrfFrom, sendNow, type TestApp } from './testApp';
import { WAIT_MS } from './wait';

type Agent = ReturnType<typeof request.agent>;

/** Uploads a CSV the way the import page's form does (multipart, its CSRF token the first field, before the file). */
export async function uploadCsv(agent: Agent, file: Buffer | string, filename = 'contacts.csv', status = 303) {
  const page = await agent.get('/contacts/imports').expect(200);
  return agent
    .post('/contacts/imports')
    .field('_csrf', csrfFrom(page.text))
    .attach('file', typeof file === 'string' ? Buffer.from(file, 'utf8') : file, { filename, contentType: 'text/csv' })
    .expect(status);
}

/** Accepts the page's guessed mapping (or overrides some columns), starts the import and waits for it to end. */
export async function runImport(
  agent: Agent,
  jobUrl: string,
  overrides: Record<string, string> = {},
  timeoutMs?: number,
) {
  const page = await agent.get(jobUrl).expect(200);
  const fields: Record<string, string> = { _csrf: csrfFrom(page.text), action: 'import' };
  for (const m of page.text.matchAll(/<select id="col-(\d+)" name="col\.\d+">([\s\S]*?)<\/select>/g)) {
    fields[`col.${m[1]}`] = /<option value="(\w+)" selected>/.exec(m[2]!)![1]!;
  }
  for (const m of page.text.matchAll(/name="key\.(\d+)" value="([^"]*)"/g))
    fields[`key.${m[1]}`] = m[2]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  await agent
    .post(jobUrl)
    .type('form')
    .send({ ...fields, ...overrides })
    .expect(303);
  return waitForImport(agent, jobUrl, timeoutMs);
}

export async function waitForImport(agent: Agent, jobUrl: string, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await agent.get(jobUrl).expect(200)).text;
    if (/Import (finished|failed)\./.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `The import did not finish in time: ${/data-testid="import-status">([^<]*)/.exec(text)?.[1] ?? text.slice(0, 200)}`,
  );
}

export const stat = (html: string, id: string) => Number(new RegExp(`data-testid="${id}">(\\d+)<`).exec(html)?.[1]);

/**
 * "Send now" for a survey (when anyone is left to ask), and each contact's link token from all its waves, read
 * the way the worker reads it.
 */
export async function sendWave(t: TestApp, agent: Agent, surveyId: string) {
  const page = await agent.get(`/surveys/${surveyId}/send`).expect(200);
  if (!page.text.includes('data-testid="send-nobody"')) await sendNow(agent, surveyId);
  const rows = await t.db.query<{ email: string; token_sealed: string }>(
    `SELECT c.email, d.token_sealed FROM deliveries d JOIN contacts c ON c.id = d.contact_id JOIN waves w ON w.id = d.wave_id
     WHERE w.survey_id = :surveyId ORDER BY d.created_at`,
    { surveyId },
  );
  return new Map(rows.map((r) => [r.email, t.sealer.open(r.token_sealed)]));
}
