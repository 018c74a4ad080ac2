// Builds dist/ from src/ and migrations/ — or, with --if-stale (what `npm start` runs first), does nothing
// when dist/ already holds a build of exactly these sources.
//
// Why esbuild and not tsc: tsc type-checks the whole program on every build, 15–40 s on a 2-core machine,
// and that stood between `npm install` and the first page. Each file is transpiled on its own (the code is
// written for it: `isolatedModules`), in about a second; types are checked by `npm run typecheck`, which
// `npm test` and CI run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist');
const SOURCES = ['src', 'migrations'];
// A change to how the build is made is a change to what it makes.
const RECIPE = ['tsconfig.json', 'scripts/build.mjs', 'package-lock.json'];
const FINGERPRINT = path.join(OUT, '.fingerprint');

function sourceFiles() {
  return SOURCES.flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => path.join(dir, f)),
  ).sort();
}

/** Names, sizes and modification times: what make would look at, and a few milliseconds for the whole tree. */
function fingerprint(files) {
  const hash = crypto.createHash('sha256');
  for (const f of [...files, ...RECIPE]) {
    const st = fs.statSync(path.join(ROOT, f));
    hash.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const files = sourceFiles();
const current = fingerprint(files);
const built = fs.existsSync(FINGERPRINT) ? fs.readFileSync(FINGERPRINT, 'utf8') : '';
if (process.argv.includes('--if-stale') && built === current && fs.existsSync(path.join(OUT, 'src/main.js'))) {
  process.exit(0);
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('Cannot build: esbuild is not installed. Run `npm install` (the build needs the dev dependencies).');
  process.exit(1);
}
const started = Date.now();
// Start clean: a file deleted from src/ (or a migration) must not live on in dist/.
for (const dir of SOURCES) fs.rmSync(path.join(OUT, dir), { recursive: true, force: true });
fs.rmSync(FINGERPRINT, { force: true });
await esbuild.build({
  entryPoints: files.map((f) => path.join(ROOT, f)),
  outdir: OUT,
  outbase: ROOT,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  logLevel: 'warning',
});
fs.writeFileSync(FINGERPRINT, current);
console.error(`built ${files.length} files into dist/ in ${Date.now() - started} ms`);
