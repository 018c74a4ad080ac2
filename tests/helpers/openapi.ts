import type { IncomingMessage, ServerResponse } from 'node:http';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
export type Exchange = { method: string; url: string; status: number; type: string; body: string };

/**
 * The app behind a recorder: every answer under /api/v1 is kept (method, URL, status, content type, body) so a
 * test file can check, at its end, each one it saw against the OpenAPI document.
 */
export function recording(app: Handler) {
  const seen: Exchange[] = [];
  const handler: Handler = (req, res) => {
    // Read now: routers mounted on a path rewrite req.url while they run.
    const url = req.url ?? '';
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    const keep = (c: unknown) => {
      if (typeof c === 'string' || c instanceof Uint8Array) chunks.push(Buffer.from(c));
    };
    res.write = ((c: unknown, ...rest: unknown[]) => (keep(c), write(c, ...rest))) as typeof res.write;
    res.end = ((c?: unknown, ...rest: unknown[]) => {
      keep(c);
      if (url.startsWith('/api/v1/'))
        seen.push({
          method: req.method!.toLowerCase(),
          url,
          status: res.statusCode,
          type: String(res.getHeader('content-type') ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      return end(c, ...rest);
    }) as typeof res.end;
    app(req, res);
  };
  return { handler, seen };
}

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
};
const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Every exchange checked against the document: its path, method and status documented, its body valid. */
export function checkAgainstDocument(doc: Doc, seen: Exchange[]): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi');
  const templates = Object.keys(doc.paths).map((p) => ({
    path: p,
    re: new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`),
  }));
  const problems: string[] = [];
  for (const x of seen) {
    const path = x.url.split('?')[0]!;
    if (path === '/api/v1/openapi.json' || path === '/api/v1/docs') continue;
    const where = `${x.method.toUpperCase()} ${x.url} → ${x.status}`;
    const template = templates.find((t) => t.re.test(path) && doc.paths[t.path]![x.method]);
    if (!template) {
      // An unknown path is answered 404 (or 401 before the key is checked) with a problem: nothing to look up.
      if (x.status === 404 || x.status === 401) continue;
      problems.push(`${where}: path not in the document`);
      continue;
    }
    const response = doc.paths[template.path]![x.method]!.responses[String(x.status)];
    if (!response) {
      problems.push(`${where}: status not documented`);
      continue;
    }
    const mediaType = x.type.split(';')[0]!.trim();
    if (!response.content) {
      if (x.body) problems.push(`${where}: a body where the document has none`);
      continue;
    }
    if (!response.content[mediaType]) {
      problems.push(`${where}: ${mediaType || 'no content type'} not documented`);
      continue;
    }
    const ref = `openapi#/${pointer('paths', template.path, x.method, 'responses', String(x.status), 'content', mediaType, 'schema')}`;
    const validate = ajv.getSchema(ref);
    if (!validate) {
      problems.push(`${where}: no schema at ${ref}`);
      continue;
    }
    if (!validate(JSON.parse(x.body)))
      problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${x.body.slice(0, 300)}`);
  }
  return problems;
}
