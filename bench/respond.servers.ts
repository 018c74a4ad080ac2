/**
 * The two servers the respond bench measures, in one child process so the load generator never shares
 * their CPU: the real app, and a bare node:http + pg server doing the same lookup (GET) and lookup + upsert
 * (POST) with no framework, no templates and no validation library. Its statements are named (prepared once
 * per connection) as the app's are: otherwise the baseline pays PostgreSQL's planning on every request and
 * the ratio measures that instead of the app's own cost.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import querystring from 'node:querystring';
import pg from 'pg';
import { buildApp } from '../src/app';
import { createDb } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';
import { createSealer, hashToken } from '../src/platform/tokens';

const LOOKUP = `SELECT d.id, d.workspace_id, d.contact_id, w.survey_id, w.survey_version, s.title, v.questions, ws.name, r.answers
  FROM deliveries d JOIN contacts c ON c.id = d.contact_id JOIN waves w ON w.id = d.wave_id JOIN surveys s ON s.id = w.survey_id
  JOIN survey_versions v ON v.survey_id = w.survey_id AND v.version = w.survey_version JOIN workspaces ws ON ws.id = d.workspace_id
  LEFT JOIN responses r ON r.delivery_id = d.id WHERE d.token_hash = $1`;
const UPSERT = `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers, completed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
  ON CONFLICT (delivery_id) DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, answers = EXCLUDED.answers, updated_at = now()`;

function bare(pool: pg.Pool) {
  return http.createServer(async (req, res) => {
    try {
      const token = (req.url ?? '').split('?')[0]!.split('/')[2] ?? '';
      const { rows } = await pool.query({ name: 'lookup', text: LOOKUP, values: [hashToken(token)] });
      const inv = rows[0];
      if (!inv) {
        res.writeHead(404).end('not found');
        return;
      }
      if (req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        const form = querystring.parse(body);
        const score = Number(form.nps);
        await pool.query({
          name: 'upsert',
          text: UPSERT,
          values: [
            inv.workspace_id,
            inv.survey_id,
            inv.survey_version,
            inv.id,
            inv.contact_id,
            score,
            form.reason ?? null,
            JSON.stringify({ nps: score, reason: form.reason }),
          ],
        });
        res.writeHead(303, { Location: `/r/${token}/thanks` }).end();
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(`<!doctype html><title>${inv.title}</title><form method="post"><button>Send</button></form>`);
    } catch {
      res.writeHead(500).end();
    }
  });
}

async function main() {
  const url = process.env.DATABASE_URL!;
  const db = createDb(url);
  const sessionPool = new pg.Pool({ connectionString: url, max: 1 });
  const secret = 'bench-secret-key-that-is-long-enough-00000';
  const app = buildApp({
    config: { publicUrl: 'http://localhost', trustProxy: false, respondRateLimit: 1e9 },
    db,
    sessionPool,
    log: createLogger('silent'),
    secretKey: secret,
    sealer: createSealer(secret),
    mailboxEnabled: false,
    onQueued: () => undefined,
  });
  // The same pool size as the app's Sequelize pool (10).
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const listen = (server: http.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  const appPort = await listen(http.createServer(app));
  const barePort = await listen(bare(pool));
  process.on('message', (m) => {
    if (m !== 'cpu') return;
    const u = process.cpuUsage();
    process.send!({ cpu: u.user + u.system });
  });
  process.send!({ appPort, barePort });
  // SIGINT ends the process normally, so --cpu-prof (BENCH_PROFILE) gets to write its profile.
  process.on('SIGINT', () => process.exit(0));
}

void main();
