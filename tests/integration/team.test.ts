import request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';

let t: TestApp;
let owner: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t.app);
});
afterAll(() => t.close());

const teammate = { name: 'Sam Rivera', email: 'sam@acme.test', role: 'member', password: 'temporary pass 1' };

describe('team', () => {
  it('an owner adds a teammate who can then sign in; a duplicate email is refused on the field', async () => {
    const res = await submitForm(owner, '/team', '/team', teammate);
    expect(res.headers.location).toBe('/team?added=1');
    const page = await owner.get('/team').expect(200);
    expect(page.text).toContain('Sam Rivera');

    const dup = await submitForm(owner, '/team', '/team', { ...teammate, email: 'SAM@acme.test' }, 409);
    expect(dup.text).toContain('Already has an account.');
    expect(await t.db.query(`SELECT id FROM users WHERE lower(email) = 'sam@acme.test'`)).toHaveLength(1);

    const sam = request.agent(t.app);
    const login = await sam.get('/login').expect(200);
    await sam
      .post('/login')
      .type('form')
      .send({ email: teammate.email, password: teammate.password, _csrf: csrfFrom(login.text) })
      .expect(303);
    const team = await sam.get('/team').expect(200);
    expect(team.text).not.toContain('Add a teammate'); // members do not manage the team
    const refused = await sam
      .post('/team')
      .type('form')
      .send({ ...teammate, email: 'x@acme.test', _csrf: csrfFrom(team.text) })
      .expect(403);
    expect(refused.text).toContain('Only an owner or admin can add teammates.');
  });

  it('workspace settings validate the throttle and save', async () => {
    const bad = await submitForm(
      owner,
      '/settings',
      '/settings',
      { name: 'Acme', senderName: 'Valeria at Acme', postalAddress: '1 Main St', throttleDays: '-3' },
      422,
    );
    expect(bad.text).toContain('Use 0 (no throttle) or more days.');
    await submitForm(owner, '/settings', '/settings', {
      name: 'Acme Inc',
      senderName: 'Valeria at Acme',
      postalAddress: '1 Main St',
      throttleDays: '14',
    });
    const [w] = await t.db.query<{ name: string; throttle_days: number }>('SELECT name, throttle_days FROM workspaces');
    expect(w).toEqual({ name: 'Acme Inc', throttle_days: 14 });
  });
});
