import { Router, type RequestHandler } from 'express';
import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { textBody } from '../../platform/text';
import type { AccountsService } from '../accounts';
import type { ContactsService } from '../contacts';
import type { InsightsService } from '../insights';
import type { WavesService } from '../schedules';
import type { SurveysService } from '../surveys';
import { apiAuth, keyRateLimit } from './auth';
import { mount, type Endpoint } from './endpoint';
import type { ApiKeysService } from './keys.service';
import { openApiDocument } from './openapi';
import { PROBLEMS, problemHandler } from './problems';
import { contactEndpoints } from './v1.contacts';
import { surveyEndpoints } from './v1.surveys';
import { invitationEndpoints } from './v1.invitations';
import { responseEndpoints } from './v1.responses';
import { idempotency } from './idempotency';

export type ApiDeps = {
  db: Db;
  /** Where reads of responses and metrics go: a replica when one is configured and safe (platform/replica.ts). */
  readers: Db;
  /** Run after a key is known, before its endpoint: notes a key's writes and picks its reads' database. */
  readRouting?: RequestHandler[];
  log: Logger;
  keys: ApiKeysService;
  accounts: AccountsService;
  contacts: ContactsService;
  surveys: SurveysService;
  waves: WavesService;
  insights: InsightsService;
  /** The servers entry of the document (PUBLIC_URL). */
  publicUrl: string;
  /** Requests per minute per key (all instances together). */
  rateLimit: number;
};

/** Every endpoint of /api/v1, in the order the document lists them. */
export const v1Endpoints = (d: ApiDeps): Endpoint[] => [
  ...surveyEndpoints(d.surveys),
  ...contactEndpoints(d.contacts),
  ...invitationEndpoints(d),
  ...responseEndpoints(d),
];

/**
 * REST v1. Mounted before sessions and CSRF: a key in `Authorization` is the only credential (no cookie is read
 * or set), so a browser's session can never be ridden into the API.
 */
export function apiRoutes(d: ApiDeps) {
  const r = Router();
  const endpoints = v1Endpoints(d);
  const document = openApiDocument(endpoints, `${d.publicUrl}`);
  // The description and its human page are public: they name no data.
  r.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(document);
  });
  r.get('/api/v1/docs', (req, res) => {
    const tags = [...new Set(endpoints.map((e) => e.tag))].map((name) => ({
      name,
      endpoints: endpoints
        .filter((e) => e.tag === name)
        .map((e) => ({ ...e, path: e.path.replace(/:(\w+)/g, '{$1}') })),
    }));
    const problems = Object.entries(PROBLEMS).map(([code, title]) => ({ code, title }));
    res.type('html').render('api/docs', { title: 'API', tags, problems, path: req.path });
  });
  r.use('/api/v1', ...textBody({ limit: '1mb' }));
  r.use('/api/v1', apiAuth(d.keys), keyRateLimit(d.db, d.rateLimit), ...(d.readRouting ?? []));
  r.use(mount(endpoints, idempotency(d.db)));
  r.use('/api/v1', (_req, _res, next) => next(notFound('API endpoint')));
  r.use('/api/v1', problemHandler(d.log));
  return r;
}
