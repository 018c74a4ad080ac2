import { csvStringifier, neutralizeCell } from '../../src/platform/csv';

const write = (rows: unknown[][]) =>
  new Promise<string>((resolve, reject) => {
    const out = csvStringifier();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    out.on('end', () => resolve(text));
    out.on('error', reject);
    for (const r of rows) out.write(r);
    out.end();
  });

describe('neutralizeCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.test","x")', `'=HYPERLINK("http://evil.test","x")`],
    ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ['-2+3+cmd', "'-2+3+cmd"],
    ['@SUM(1+1)', "'@SUM(1+1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['\uFF1D1+1', "'\uFF1D1+1"],
    ['ada@example.com', 'ada@example.com'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (cell, expected) => {
    expect(neutralizeCell(cell)).toBe(expected);
  });
});

describe('csvStringifier', () => {
  it('neutralises every string cell, quotes as CSV needs, and leaves numbers alone', async () => {
    expect(await write([[-2, '=1+1', 'a,b', '@x', 'plain']])).toBe(`-2,'=1+1,"a,b",'@x,plain\n`);
  });
});
