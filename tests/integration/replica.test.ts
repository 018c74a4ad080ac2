import request from 'supertest';
import { startRapport, type Rapport } from '../../src/boot';
import { loadConfig } from '../../src/config';
import { createDb, type Db } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { migrate } from '../../src/platform/migrator';
import { createSealer } from '../../src/platform/tokens';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';
import { keyFromSettings } from '../helpers/api';
import { freePort } from '../helpers/net';
import { hasPg15, startStreamingPair } from '../helpers/replica';
import { startTestSmtp } from '../helpers/smtp';
import { signedInAgent } from '../helpers/testApp';
import { WAIT_MS } from '../helpers/wait';

/**
 * DATABASE_REPLICA_URL against a real streaming replica this file sets up (initdb + pg_basebackup -R from
 * Debian's PostgreSQL 15, in a temporary folder, on ports of its own). Replica lag is made real and exact by
 * pausing the replica's replay (pg_wal_replay_pause): WAL keeps arriving, nothing of it is visible there.
 */
const SECRET = 'replica-test-secret-key-that-is-long-enough';
const run = hasPg15() ? describe : describe.skip;
if (!hasPg15()) console.warn('replica.test: no /usr/lib/postgresql/15/bin/pg_basebackup, skipped');

let pair: Awaited<ReturnType<typeof startStreamingPair>>;
let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let rapport: Rapport;
let db: Db;
let agent: ReturnType<typeof request.agent>;
let workspaceId: string;
let surveyId: string;
let writer: string;
let reader: string;

async function until(what: string, probe: () => Promise<boolean>) {
  const deadline = Date.now() + WAIT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const feed = async (key: string) =>
  (
    await request(rapport.url)
      .get(`/api/v1/responses?surveyId=${surveyId}`)
      .set('Authorization', `Bearer ${key}`)
      .expect(200)
  ).body.data as { contact: { id: string } | null; comment: string | null }[];

/** A respondent answers through the app (a write no API key or teammate made). */
async function answered(comment: string) {
  const { token, contactId } = await seedDelivery(db, createSealer(SECRET), workspaceId, surveyId);
  await request(rapport.url).post(`/r/${token}`).type('form').send({ nps: '3', reason: comment }).expect(303);
  return contactId;
}

run('reads through a streaming replica', () => {
  beforeAll(async () => {
    pair = await startStreamingPair();
    await pair.onPrimary('CREATE DATABASE rapport');
    db = createDb(pair.primaryUrl('rapport'), { poolMax: 3 });
    await migrate(db);
    smtp = await startTestSmtp();
    const config = loadConfig({
      DATABASE_URL: pair.primaryUrl('rapport'),
      DATABASE_REPLICA_URL: pair.replicaUrl('rapport'),
      // The test pauses replay for as long as it needs: lag alone must not send reads back to the primary here.
      REPLICA_MAX_LAG_SECONDS: '3600',
      SMTP_URL: smtp.url,
      PORT: String(await freePort()),
      SECRET_KEY: SECRET,
      SCHEDULER_ENABLED: 'false',
      WORKER_ENABLED: 'false',
    });
    rapport = await startRapport(config, createLogger('silent'));
    agent = await signedInAgent(rapport.url);
    workspaceId = (await db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
    surveyId = await seedSurvey(db, workspaceId, { questions: NPS_SURVEY });
    writer = await keyFromSettings(agent, 'writer', ['read', 'write']);
    reader = await keyFromSettings(agent, 'reader', ['read']);
  }, 120_000);
  afterAll(async () => {
    await pair?.resumeReplay().catch(() => undefined);
    await rapport?.stop();
    await db?.close();
    await smtp?.close();
    await pair?.stop();
  });

  it('serves the API from the replica, and a key that just wrote reads its write from the primary while the replica lags', async () => {
    const first = await answered('first answer');
    await until('the replica to replay the first answer', pair.caughtUp);
    expect((await feed(reader)).map((r) => r.comment)).toEqual(['first answer']);

    await pair.pauseReplay();
    // Written on the primary, not yet replayed: a key that wrote nothing still reads the replica, without it.
    const second = await answered('second answer');
    expect((await feed(reader)).map((r) => r.comment)).toEqual(['first answer']);

    // The writer erases the first person; its very next read must show that, replica or not.
    await request(rapport.url)
      .post(`/api/v1/contacts/${first}/erase`)
      .set('Authorization', `Bearer ${writer}`)
      .expect(204);
    const own = await feed(writer);
    expect(own.map((r) => r.comment)).toEqual([null, 'second answer']);
    expect(own.map((r) => r.contact?.id ?? null)).toEqual([null, second]);
    // The other key still reads the paused replica: the erasure is not there yet.
    expect((await feed(reader)).map((r) => r.comment)).toEqual(['first answer']);

    await pair.resumeReplay();
    await until('the replica to replay the erasure', pair.caughtUp);
    expect((await feed(reader)).map((r) => r.comment)).toEqual([null, 'second answer']);
    // Caught up, the writer reads the replica again (and sees the same).
    expect((await feed(writer)).map((r) => r.comment)).toEqual([null, 'second answer']);
  });

  it("a teammate's dashboard reads the replica, and the page after their own write reads the primary", async () => {
    await until('the replica to catch up', pair.caughtUp);
    const count = async () => {
      const page = await agent.get(`/surveys/${surveyId}`).expect(200);
      return Number(/data-testid="q-nps-detractors">(\d+)</.exec(page.text)?.[1]);
    };
    const before = await count();
    expect(before).toBeGreaterThanOrEqual(1);

    await pair.pauseReplay();
    await answered('third answer');
    // Nobody on the team wrote: the dashboard comes from the paused replica.
    expect(await count()).toBe(before);

    // Any write of theirs (here: a contact added by hand) stamps their session; the next page reads the primary.
    const form = await agent.get('/contacts').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    await agent.post('/contacts').type('form').send({ _csrf: csrf, email: 'new@example.com' }).expect(303);
    expect(await count()).toBe(before + 1);
    await pair.resumeReplay();
  });

  it('reads from the primary when the replica cannot be reached: the API and the dashboard still answer', async () => {
    await until('the replica to catch up', pair.caughtUp);
    await pair.stopReplica();
    await answered('fourth answer');
    const comments = (await feed(reader)).map((r) => r.comment);
    expect(comments).toContain('fourth answer');
    await agent.get(`/surveys/${surveyId}`).expect(200);
  });
});
