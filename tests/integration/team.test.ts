import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { inviteTeammate } from '../helpers/team';

let t: TestApp;
let owner: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t.app);
});
afterAll(() => t.close());

describe('team', () => {
  it('an owner invites a teammate who joins and signs in; an address already on the team is refused on the field', async () => {
    const sam = await inviteTeammate(t, owner, {
      name: 'Sam Rivera',
      email: 'sam@acme.test',
      role: 'member',
      password: 'temporary pass 1',
    });
    const page = await owner.get('/team').expect(200);
    expect(page.text).toContain('Sam Rivera');

    const dup = await submitForm(owner, '/team', '/team/invitations', { email: 'SAM@acme.test', role: 'member' }, 422);
    expect(dup.text).toContain('Already on the team.');
    expect(await t.db.query(`SELECT id FROM users WHERE lower(email) = 'sam@acme.test'`)).toHaveLength(1);

    const team = await sam.get('/team').expect(200);
    expect(team.text).not.toContain('Invite a teammate'); // members do not manage the team
    const refused = await sam
      .post('/team/invitations')
      .type('form')
      .send({ email: 'x@acme.test', role: 'member', _csrf: csrfFrom(team.text) })
      .expect(403);
    expect(refused.text).toContain('Only an owner or admin can manage the team.');
    expect(await t.db.query(`SELECT 1 FROM team_invitations WHERE email = 'x@acme.test'`)).toHaveLength(0);
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
