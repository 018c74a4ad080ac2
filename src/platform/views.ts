import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from './paths';

export type RenderView = (name: string, locals: object) => string;

// EJS's escaping, character for character (&, <, >, " and ' as &amp; &lt; &gt; &#34; &#39;), but a value with
// none of them, nearly every one on these pages (ids, numbers, labels), is returned as it is after one test:
// 25 ns a value against 77 for EJS's replace with a callback (~100 values on the answer page).
const SPECIAL = /[&<>'"]/;
const SPECIALS = /[&<>'"]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ENTITY[c]!) : text;
}

/** A template as EJS compiles it with `client: true`: its includes and escaping are given by the caller. */
type RawTemplate = (
  locals: object,
  escape: (value: unknown) => string,
  include: (name: string, extra?: object) => string,
) => string;

/**
 * Templates compiled once, at start, and called directly: no view lookup, no merging of option objects and
 * no callback hops per render (what res.render does each time). For the respondent's pages, the busiest ones.
 * With `cache` off (`npm run dev`) each render reads and compiles the file again, so edits show without a
 * restart. Locals are passed whole: the caller merges the app's and the response's.
 *
 * Three things EJS would do on every render are done otherwise. Measured on the answer page in process
 * (tmp bench, 10,000 renders, machine under load): 95 µs a render with EJS's defaults; 55 without its
 * `with (locals) { … }` block (which makes V8 look every name up dynamically) and without its per-line
 * bookkeeping for error messages (`compileDebug`, kept in development); 47 when an include of one of these
 * views calls it compiled with the includer's locals and its own, where EJS resolves the path, copies the
 * options and copies every local again for each include.
 *
 * Without `with`, `locals` must name every local the templates read as a bare name (`locals.x` always works);
 * a name not listed is not a local in the template. Each compiled view is also put in EJS's own cache under its
 * file name, so Express's res.render (the error paths), and an include from another view, find it compiled.
 */
export function compiledViews(names: string[], o: { cache: boolean; locals: string[] }): RenderView {
  const options = (filename: string) => ({
    filename,
    root: VIEWS_DIR,
    _with: false,
    destructuredLocals: o.locals,
    compileDebug: !o.cache,
  });
  if (!o.cache)
    return (name, locals) => {
      const filename = path.join(VIEWS_DIR, `${name}.ejs`);
      return ejs.compile(fs.readFileSync(filename, 'utf8'), options(filename))(locals);
    };

  const raw = new Map<string, RawTemplate>();
  const render: RenderView = (name, locals) => {
    const fn = raw.get(name);
    if (!fn) throw new Error(`view ${name} was not compiled at start`);
    return fn(locals, escapeHtml, (included, extra) =>
      // Included by its path from the views' root ('/respond/_head'), with the includer's locals and its own.
      render(included.replace(/^\//, ''), extra ? Object.assign({}, locals, extra) : locals),
    );
  };
  for (const name of names) {
    const filename = path.join(VIEWS_DIR, `${name}.ejs`);
    const fn = ejs.compile(fs.readFileSync(filename, 'utf8'), { ...options(filename), client: true });
    raw.set(name, fn as unknown as RawTemplate);
    ejs.cache.set(filename, (locals?: object) => render(name, locals ?? {}));
  }
  return render;
}
