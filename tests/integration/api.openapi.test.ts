import request from 'supertest';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createTestApp, type TestApp } from '../helpers/testApp';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('serves an OpenAPI 3.1 document, without a key, whose every schema compiles as JSON Schema 2020-12', async () => {
  const res = await request(t.app).get('/api/v1/openapi.json').expect(200);
  const doc = res.body;
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/api/v1/contacts',
    '/api/v1/contacts/{id}',
    '/api/v1/contacts/{id}/erase',
    '/api/v1/contacts/{id}/invitations/pending',
    '/api/v1/contacts/{id}/unsubscribe',
    '/api/v1/responses',
    '/api/v1/surveys',
    '/api/v1/surveys/{id}',
    '/api/v1/surveys/{id}/invitations',
    '/api/v1/surveys/{id}/metrics',
  ]);
  const invite = doc.paths['/api/v1/surveys/{id}/invitations'].post;
  expect(invite['x-rapport-scope']).toBe('write');
  expect(invite.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
    'path:id',
    'header:Idempotency-Key',
  ]);
  // The request body is the zod schema that validates it: its rules are in the document.
  const body = doc.components.schemas.InvitationInput;
  expect(body.required).toEqual(['contact']);
  expect(body.properties.delaySeconds).toMatchObject({ type: 'integer', minimum: 0, maximum: 2592000 });
  expect(doc.paths['/api/v1/responses'].get.parameters.find((p: { name: string }) => p.name === 'limit')).toMatchObject(
    {
      required: false,
      schema: { maximum: 100 },
    },
  );

  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi');
  for (const name of Object.keys(doc.components.schemas))
    expect(ajv.getSchema(`openapi#/components/schemas/${name}`)).toBeDefined();
  const validProblem = ajv.getSchema('openapi#/components/schemas/Problem')!;
  const refused = await request(t.app).get('/api/v1/surveys');
  expect(validProblem(refused.body)).toBe(true);
});

it('a human page lists every endpoint and every problem type, with an anchor for each type', async () => {
  const page = await request(t.app).get('/api/v1/docs').expect(200);
  expect(page.headers['content-type']).toMatch(/text\/html/);
  expect(page.text).toContain('POST /api/v1/surveys/{id}/invitations');
  expect(page.text).toContain('GET /api/v1/responses');
  for (const code of ['invalid', 'invalid_key', 'insufficient_scope', 'rate_limited', 'idempotency_key_reused'])
    expect(page.text).toContain(`id="${code}"`);
});
