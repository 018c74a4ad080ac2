import { z } from 'zod';
import type { Endpoint } from './endpoint';
import { PROBLEMS } from './problems';
import { problemOut } from './schemas';

type Json = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document of /api/v1, written from the endpoints' own zod schemas (zod's JSON Schema export,
 * draft 2020-12 — the dialect of OpenAPI 3.1): what the document says is exactly what the API parses and answers.
 * Schemas with an `id` (`.meta({ id })`) become shared components.
 */
export function openApiDocument(endpoints: Endpoint[], serverUrl: string) {
  const components: Record<string, Json> = {};

  /** A schema as JSON Schema; named parts go to components and are referenced. */
  const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    const text = JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/');
    const { $schema: _s, $defs, ...rest } = JSON.parse(text) as Json & { $defs?: Record<string, Json> };
    for (const [name, def] of Object.entries($defs ?? {})) {
      components[name] ??= def;
    }
    return rest;
  };

  const problem = { 'application/problem+json': { schema: schemaOf(problemOut, 'output') } };
  const shared: Record<number, string> = {
    401: 'No key, or an unknown or revoked one.',
    403: 'The key lacks the scope.',
    422: 'A field is wrong: `field` and `errors[]` say which.',
    429: 'Over the rate limit: retry after `Retry-After` seconds.',
    503: 'The database is unavailable: retry later.',
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const e of endpoints) {
    const path = e.path.replace(/:(\w+)/g, '{$1}');
    const parameters: Json[] = [];
    for (const [name, s] of Object.entries(e.params?.shape ?? {}))
      parameters.push({ name, in: 'path', required: true, schema: schemaOf(s as z.ZodType, 'input') });
    for (const [name, s] of Object.entries(e.query?.shape ?? {})) {
      const field = s as z.ZodType;
      const schema = schemaOf(field, 'input');
      const { description, ...rest } = schema as Json & { description?: string };
      parameters.push({
        name,
        in: 'query',
        required: !field.safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
    if (e.idempotent)
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Retry safely: the first answer is kept 24 hours and replayed; nothing new is created.',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    const responses: Json = {};
    for (const [status, r] of Object.entries(e.responses))
      responses[status] = {
        description: r.description,
        ...(r.schema
          ? { content: { 'application/json': { schema: schemaOf(r.schema, 'output') } } }
          : Number(status) >= 400
            ? { content: problem }
            : {}),
      };
    const refusals = e.body ? { ...shared, 400: 'The body is not valid JSON.', 413: 'The body is over 1 MB.' } : shared;
    for (const [status, description] of Object.entries(refusals))
      responses[status] ??= { description, content: problem };
    (paths[path] ??= {})[e.method] = {
      operationId: `${e.method}${path.replace(/\{(\w+)\}/g, 'By$1').replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string = '') => c.toUpperCase())}`,
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      tags: [e.tag],
      security: [{ bearer: [] }, { basic: [] }],
      'x-rapport-scope': e.scope,
      ...(parameters.length ? { parameters } : {}),
      ...(e.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(e.body, 'input') } } } }
        : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Rapport API',
      version: '1',
      description:
        'Contacts, surveys, event-triggered invitations, responses and metrics of one workspace (the key decides which). Errors are application/problem+json with a stable `type`.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }, { basic: [] }],
    tags: [...new Set(endpoints.map((e) => e.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key> (Settings → API keys).' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'The key as user name, any password (Delighted clients).',
        },
      },
    },
    'x-problem-types': Object.entries(PROBLEMS).map(([code, title]) => ({ type: `/api/v1/docs#${code}`, title })),
  };
}
export type OpenApiDocument = ReturnType<typeof openApiDocument>;
