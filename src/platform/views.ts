import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from './paths';

export type RenderView = (name: string, locals: object) => string;

/**
 * Templates compiled once, at start, and called directly: no view lookup, no merging of option objects and
 * no callback hops per render (what res.render does each time). For the respondent's pages, the busiest ones.
 * Each is also put in EJS's own cache under its file name, so an `include` of it (and Express's res.render of
 * it, on the error paths) finds it compiled. With `cache` off (`npm run dev`) each render reads the file again,
 * so edits show without a restart. Locals are passed whole: the caller merges the app's and the response's.
 */
export function compiledViews(names: string[], o: { cache: boolean }): RenderView {
  const compile = (name: string) => {
    const filename = path.join(VIEWS_DIR, `${name}.ejs`);
    const fn = ejs.compile(fs.readFileSync(filename, 'utf8'), { filename, root: VIEWS_DIR, cache: o.cache });
    if (o.cache) ejs.cache.set(filename, fn);
    return fn;
  };
  if (!o.cache) return (name, locals) => compile(name)(locals);
  const compiled = new Map(names.map((name) => [name, compile(name)]));
  return (name, locals) => {
    const fn = compiled.get(name);
    if (!fn) throw new Error(`view ${name} was not compiled at start`);
    return fn(locals);
  };
}
