import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { runImport, stat, uploadCsv } from '../helpers/audience';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
});
afterAll(() => t.close());

const emails = async () =>
  (await t.db.query<{ email: string; name: string }>('SELECT email, name FROM contacts ORDER BY email')).map(
    (c) => `${c.email} ${c.name}`,
  );

describe('a row with an unclosed quote', () => {
  afterEach(async () => {
    await t.db.execute('DELETE FROM contacts');
  });

  it('is refused with its line number, and every row after it still imports', async () => {
    const file = [
      'name,email',
      'Ada Lovelace,ada@example.com',
      '"Bob Broken,bob@example.com', // line 3: the quote never closes
      'Cy Young,cy@example.com',
      '',
      '"Di, the second",di@example.com',
      'Ed "Eddie" Example,ed@example.com',
      '',
    ].join('\n');
    const jobUrl = (await uploadCsv(agent, file)).headers.location!;
    const done = await runImport(agent, jobUrl);
    expect(done).toContain('Import finished.');
    expect([stat(done, 'added'), stat(done, 'refused')]).toEqual([4, 1]);
    expect(await emails()).toEqual([
      'ada@example.com Ada Lovelace',
      'cy@example.com Cy Young',
      'di@example.com Di, the second',
      'ed@example.com Ed "Eddie" Example',
    ]);
    const report = (await agent.get(`${jobUrl}/refusals.csv`).expect(200)).text;
    expect(report).toContain('3,,"Line 3 opens a quote ("") that is never closed, so this line was skipped.');
  });

  it('on the last line, or twice, each broken line is refused by its own number; a quoted line break stays one row', async () => {
    const file = [
      'email,name',
      'una@example.com,"Una',
      'on two lines"',
      'vic@example.com,"Vic',
      'wes@example.com,Wes',
      'xia@example.com,"Xia',
    ].join('\r\n');
    const jobUrl = (await uploadCsv(agent, file)).headers.location!;
    const done = await runImport(agent, jobUrl);
    expect([stat(done, 'added'), stat(done, 'refused')]).toEqual([2, 2]);
    expect(await emails()).toEqual(['una@example.com Una\r\non two lines', 'wes@example.com Wes']);
    const report = (await agent.get(`${jobUrl}/refusals.csv`).expect(200)).text;
    expect(report).toMatch(/^4,,"Line 4 opens a quote/m);
    expect(report).toMatch(/^6,,"Line 6 opens a quote/m);
  });
});
