import request from 'supertest';
import type { Db } from '../../src/platform/db';
import { accountsService } from '../../src/modules/accounts';
import { apiKeysService } from '../../src/modules/api';
import { csrfFrom } from './testApp';

type Agent = ReturnType<typeof request.agent>;

/** Makes a key on the Settings page as an owner would, and reads it from the page (shown once). */
export async function keyFromSettings(agent: Agent, name: string, scopes: ('read' | 'write')[]) {
  const page = await agent.get('/settings/api-keys').expect(200);
  const made = await agent
    .post('/settings/api-keys')
    .type('form')
    .send(
      `_csrf=${encodeURIComponent(csrfFrom(page.text))}&name=${encodeURIComponent(name)}&${scopes.map((s) => `scopes=${s}`).join('&')}`,
    )
    .expect(201);
  const m = /data-testid="new-key-value">([^<]+)</.exec(made.text);
  if (!m) throw new Error('No key on the page');
  return m[1]!;
}

/** A key for a workspace seeded straight into the database (a second workspace in scoping tests). */
export async function keyFor(
  db: Db,
  workspaceId: string,
  userId: string,
  scopes: ('read' | 'write')[] = ['read', 'write'],
) {
  const owner = await accountsService(db).findUser(workspaceId, userId);
  const from = { workspaceId, userId, name: owner!.name, ip: null };
  return (await apiKeysService(db).create(owner!, { name: 'seeded', scopes }, from)).key;
}
