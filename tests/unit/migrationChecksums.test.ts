import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(__dirname, '../../migrations');
const landed = JSON.parse(fs.readFileSync(path.join(dir, 'checksums.json'), 'utf8')) as Record<string, string>;
const sha256 = (file: string) =>
  crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(dir, file)))
    .digest('hex');

// A new migration adds its line to migrations/checksums.json in the commit that adds it; no line ever changes.
describe('landed migrations', () => {
  it.each(Object.keys(landed))('%s is unchanged', (file) => {
    expect(fs.existsSync(path.join(dir, file))).toBe(true);
    if (sha256(file) !== landed[file])
      throw new Error(`${file} changed after it landed: landed migrations are immutable: add a new migration instead`);
  });

  it('every migration has its checksum recorded', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    const unrecorded = files.filter((f) => !(f in landed));
    expect(unrecorded).toEqual([]);
  });
});
