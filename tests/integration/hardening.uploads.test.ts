import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTestApp, csrfFrom, signedInAgent, type TestApp } from '../helpers/testApp';
import { runImport, uploadCsv } from '../helpers/audience';
import { waitFor } from '../helpers/wait';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let server: http.Server;
let base: string;
beforeAll(async () => {
  t = await createTestApp({ importMaxBytes: 64 * 1024 });
  agent = await signedInAgent(t.app);
  // A real listening server: a crash would take the socket down, not just fail a supertest promise.
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const counts = async () =>
  (await t.db.one<{ imports: number; chunks: number; contacts: number }>(
    `SELECT (SELECT count(*) FROM contact_imports) AS imports, (SELECT count(*) FROM contact_import_chunks) AS chunks,
       (SELECT count(*) FROM contacts) AS contacts`,
  ))!;

/**
 * The import form's action, the cookies that go with it, and its first part: the CSRF token, which the form
 * sends before the file (boundary X).
 */
async function formTarget() {
  const page = await agent.get('/contacts/imports').expect(200);
  const action = '/contacts/imports';
  const csrf = csrfFrom(page.text);
  const token = `--X\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`;
  const jar = (agent as unknown as { jar: { getCookies: (o: object) => { name: string; value: string }[] } }).jar;
  const cookie = jar
    .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
  return { action, cookie, csrf, token };
}

/** Sends raw bytes as the body (nothing fixes them up on the way), and reads the status. */
function rawPost(path: string, headers: Record<string, string>, body: Buffer | string, endEarly = false) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.write(body);
    if (endEarly) req.destroy();
    else req.end();
  });
}

describe('a truncated, unterminated or malformed upload gets a 4xx and leaves no import behind', () => {
  const part = (body: string) =>
    `--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n${body}`;
  it.each([
    ['the issue’s reproduction: no closing boundary', part('email\na@b.co\n')],
    ['a closing boundary cut in half', `${part('email\na@b.co\n')}\r\n--X-`],
    ['headers of the part never ended', '--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'],
    ['only a preamble', 'hello'],
    ['a part without a name', '--X\r\nContent-Type: text/csv\r\n\r\nemail\na@b.co\r\n--X--\r\n'],
  ])('%s', async (_what, body) => {
    const { action, cookie, token } = await formTarget();
    const res = await rawPost(
      action,
      { Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=X' },
      token + body,
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.status).not.toBe(403); // the token came first: refused for what it is, not for a token
    expect(await counts()).toEqual({ imports: 0, chunks: 0, contacts: 0 });
    // Still serving.
    await agent.get('/contacts/imports').expect(200);
  });

  it('a multipart header without a boundary is a 422 asking for a file; another content type is refused', async () => {
    const { action, cookie, csrf } = await formTarget();
    // Without a boundary nothing of the body can be read, its token neither: this one comes in the header.
    const noBoundary = await rawPost(
      action,
      { Cookie: cookie, 'Content-Type': 'multipart/form-data', 'X-CSRF-Token': csrf },
      'email\n',
    );
    expect(noBoundary.status).toBe(422);
    expect(noBoundary.text).toContain('Choose a CSV file to upload.');
    for (const type of ['text/csv', 'application/json', 'multipart/mixed; boundary=X']) {
      const res = await rawPost(action, { Cookie: cookie, 'Content-Type': type }, 'email\na@b.co\n');
      expect([400, 403, 422]).toContain(res.status);
    }
    expect(await counts()).toEqual({ imports: 0, chunks: 0, contacts: 0 });
  });

  it('a malformed part header followed by a good file: refused, and no import starts after the answer (found by the fuzz)', async () => {
    const { action, cookie, token } = await formTarget();
    const req = http.request(`${base}${action}`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=X', 'Content-Length': '10000000' },
    });
    req.on('error', () => undefined);
    req.write(token);
    const answered = new Promise<number>((resolve) => req.on('response', (res) => resolve(res.statusCode!)));
    // busboy reports a header over its 16 KB limit as an error and goes on parsing the next part (in one chunk).
    req.write(
      `--X\r\nContent-Disposition: form-data; name="${'x'.repeat(17_000)}"\r\n\r\nv\r\n` +
        `--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nemail\na@b.co\n`,
    );
    expect(await answered).toBe(422);
    // The request stays open, so an import started by the file part would still be there.
    await agent.get('/contacts/imports').expect(200);
    expect(await counts()).toEqual({ imports: 0, chunks: 0, contacts: 0 });
    req.destroy();
  });

  it('a client that hangs up in the middle of the file leaves nothing behind and the app keeps serving', async () => {
    const { action, cookie, token } = await formTarget();
    const req = http.request(`${base}${action}`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=X', 'Content-Length': '10000000' },
    });
    req.on('error', () => undefined);
    req.write(token);
    req.write(part(`email\n${'someone@example.com\n'.repeat(2000)}`));
    // The import exists while its file arrives...
    await waitFor(async () => (await counts()).imports === 1);
    req.destroy();
    // ...and is gone once the server has noticed the hang-up (on its own schedule: wait for the state).
    await waitFor(async () => {
      const c = await counts();
      return c.imports === 0 && c.chunks === 0;
    });
    await agent.get('/contacts/imports').expect(200);
  });
});

describe('a file form carries its CSRF token in the body, before the file, never in the address', () => {
  /** Opens an upload and answers as soon as the server does, the file still arriving (never ended by us). */
  const openUpload = (path: string, cookie: string, head: string) =>
    new Promise<{ status: number; text: string; stillSending: boolean }>((resolve, reject) => {
      let sending = true;
      const req = http.request(`${base}${path}`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=X', 'Content-Length': '10000000' },
      });
      req.on('error', () => undefined);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode!, text, stillSending: sending });
          sending = false;
          req.destroy();
        });
        res.on('error', reject);
      });
      req.write(head);
      req.write(`email\n${'someone@example.com\n'.repeat(1000)}`);
    });
  const filePart = (field: string, filename: string) =>
    `--X\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`;

  it('with the token only in the body (the first field), the import is taken', async () => {
    const page = await agent.get('/contacts/imports').expect(200);
    const res = await agent
      .post('/contacts/imports')
      .field('_csrf', csrfFrom(page.text))
      .attach('file', Buffer.from('email\nbody-token@example.com\n'), 'list.csv')
      .expect(303);
    expect(res.headers.location).toMatch(/^\/contacts\/imports\/[0-9a-f-]{36}$/);
    expect((await counts()).imports).toBe(1);
    await t.db.execute('DELETE FROM contact_imports');
  });

  it.each([
    ['no token', ''],
    ['a wrong token', '--X\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nnot-the-token\r\n'],
  ])(
    'with %s: 403, said on a page, before the file is read (the client still sending), nothing imported',
    async (_what, head) => {
      const { action, cookie } = await formTarget();
      const res = await openUpload(action, cookie, head + filePart('file', 'a.csv'));
      expect(res.status).toBe(403);
      expect(res.text).toContain('This form has expired. Go back, reload the page and try again.');
      // Answered while 10 MB were announced and a few KB sent: the refusal did not wait for (or buffer) the file.
      expect(res.stillSending).toBe(true);
      expect(await counts()).toEqual({ imports: 0, chunks: 0, contacts: 0 });
      await agent.get('/contacts/imports').expect(200);
    },
  );

  it('a token after the file is not seen: 403, nothing imported', async () => {
    const { action, cookie, token } = await formTarget();
    const res = await rawPost(
      action,
      { Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=X' },
      `${filePart('file', 'a.csv')}email\na@b.co\r\n${token}--X--\r\n`,
    );
    expect(res.status).toBe(403);
    expect(await counts()).toEqual({ imports: 0, chunks: 0, contacts: 0 });
  });

  it('the logo too: a wrong token is refused before its file is read, and the workspace keeps no logo', async () => {
    const { cookie } = await formTarget();
    const wrong = '--X\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nnot-the-token\r\n';
    const res = await openUpload('/settings/logo', cookie, wrong + filePart('logo', 'a.png'));
    expect(res.status).toBe(403);
    expect(res.stillSending).toBe(true);
    expect(await t.db.query('SELECT 1 FROM workspace_logos')).toHaveLength(0);
  });

  it('no form of any view (nor the two file forms as drawn) has a token in its action; each file form sends it first', async () => {
    const views = path.join(__dirname, '../../views');
    const files = fs.readdirSync(views, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ejs'));
    expect(files.length).toBeGreaterThan(50);
    const forms = files.flatMap((f) =>
      [...fs.readFileSync(path.join(views, f), 'utf8').matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => ({
        f,
        form: m[0],
      })),
    );
    const opening = (form: string) => /^<form\b[^>]*>/.exec(form)![0];
    expect(forms.filter(({ form }) => /csrf/i.test(opening(form))).map(({ f }) => f)).toEqual([]);
    const multipart = forms.filter(({ form }) => /enctype="multipart\/form-data"/.test(opening(form)));
    expect(multipart.map(({ f }) => f).sort()).toEqual(['accounts/settings.ejs', 'contacts/import-new.ejs']);
    for (const { form } of multipart) {
      const token = form.indexOf('name="_csrf"');
      expect(token).toBeGreaterThan(-1);
      expect(token).toBeLessThan(form.indexOf('type="file"'));
    }
    for (const url of ['/contacts/imports', '/settings']) {
      const page = (await agent.get(url).expect(200)).text;
      for (const m of page.matchAll(/<form\b[^>]*action="([^"]*)"/g)) expect(m[1]).not.toMatch(/csrf/i);
    }
  });
});

describe('a file is input like any form', () => {
  it('control characters in its cells are cleaned, never a failed import', async () => {
    // A NUL in the first 4 KB marks a binary file (refused); past them it is a stray byte in a text file.
    const filler = Array.from({ length: 300 }, (_, i) => `filler${i}@example.com,F\u0007,x`).join('\n');
    const res = await uploadCsv(agent, `email,name,plan\n${filler}\nnul@example.com,Nu\u0000l\u001b,pr\u0000o\n`);
    const page = await runImport(agent, res.headers.location!);
    expect(page).toContain('Import finished.');
    const c = await t.db.one<{ name: string; properties: object }>(
      `SELECT name, properties FROM contacts WHERE email = 'nul@example.com'`,
    );
    expect(c).toEqual({ name: 'Nul', properties: { plan: 'pro' } });
  });
});

describe('the refused-rows report never carries a formula into a spreadsheet', () => {
  it('neutralises cells that start with = + - @ tab or CR', async () => {
    const file = [
      'email,locale',
      '"=HYPERLINK(""http://evil.test"",""x"")",en',
      "+cmd|' /C calc'!A0,en",
      "@SUM(1+1)*cmd|' /C calc'!A0,en",
      "-2+3+cmd|' /C calc'!A0,en",
      'ok@example.com,=1+1',
      '',
    ].join('\n');
    const res = await uploadCsv(agent, file, 'evil.csv');
    const jobUrl = res.headers.location!;
    await runImport(agent, jobUrl, { 'col.1': 'locale' });
    const csv = await agent.get(`${jobUrl}/refusals.csv`).expect(200);
    const lines = csv.text.trim().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(1)) {
      const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
      for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    expect(csv.text).toContain(`'=HYPERLINK`);
    expect(csv.text).toContain(`'+cmd|`);
    expect(csv.text).toContain(`'@SUM(`);
    expect(csv.text).toContain(`'-2+3+cmd|`);
  });
});
