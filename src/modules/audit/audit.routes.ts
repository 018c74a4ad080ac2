import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import { csvStringifier } from '../../platform/csv';
import type { Tx } from '../../platform/db';
import { unauthenticated } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { parse } from '../../platform/validation';
import { record, who } from './audit';
import { auditFiltersSchema, auditRetentionSchema } from './audit.schemas';
import { decodeAuditCursor, encodeAuditCursor, type AuditLog } from './log';

// The signed-in request (accounts' loadUser sets it; accounts imports this module, so not its `auth`).
const signedIn = (req: Request) => {
  if (!req.auth) throw unauthenticated();
  return req.auth;
};

/**
 * Settings → Audit log (owners and admins, by the policy table): filter by who, what and days, newest first,
 * keyset-paged; the same filters as a CSV download; and how long the log is kept.
 */
export function auditRoutes(deps: {
  log: AuditLog;
  /** The workspace's setting lives on `workspaces` (accounts' table): accounts writes it. */
  setRetentionDays: (workspaceId: string, days: number, tx: Tx) => Promise<unknown>;
}) {
  const r = Router();
  const { log } = deps;

  const filtersOf = (req: Request) => parse(auditFiltersSchema, req.query, 'Check the filters.');
  const lists = async (req: Request) => {
    const { workspace } = signedIn(req);
    return {
      title: 'Audit log',
      actors: await log.actors(workspace.id),
      actions: await log.actions(workspace.id),
      retentionDays: workspace.auditRetentionDays,
      timeZone: workspace.timeZone,
      retentionSaved: req.query.saved === '1',
    };
  };

  r.get('/settings/audit', async (req, res) => {
    const { workspace } = signedIn(req);
    const base = await lists(req);
    const result = auditFiltersSchema.safeParse(req.query);
    if (!result.success) {
      // A filter that cannot be read (a hand-edited link): the page says which, and lists nothing.
      const errors: Record<string, string> = { _form: 'Check the filters.' };
      for (const issue of result.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
      return res.status(422).render('settings/audit', {
        ...base,
        rows: [],
        next: undefined,
        firstPage: true,
        query: '',
        values: req.query,
        errors,
      });
    }
    const { cursor, ...filters } = result.data;
    const page = await log.page(workspace.id, workspace.timeZone, filters, decodeAuditCursor(cursor));
    const query = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => !!e[1]));
    const last = page.rows[page.rows.length - 1];
    res.render('settings/audit', {
      ...base,
      rows: page.rows,
      next: page.more && last ? `?${new URLSearchParams([...query, ['cursor', encodeAuditCursor(last)]])}` : undefined,
      firstPage: !cursor,
      query: query.toString(),
      values: filters,
      errors: {},
    });
  });

  r.get('/settings/audit/export.csv', async (req, res) => {
    const { workspace } = signedIn(req);
    const { cursor: _cursor, ...filters } = filtersOf(req);
    // Taking the log out is itself an event of the log.
    await record(log.db, who(req), { action: 'audit.exported', details: filters });
    const rows = await log.stream(workspace.id, workspace.timeZone, filters);
    const csv = csvStringifier({
      header: true,
      columns: [
        { key: 'at', header: 'at (UTC)' },
        { key: 'actor', header: 'who' },
        { key: 'actor_id', header: 'who (id)' },
        { key: 'action', header: 'action' },
        { key: 'subject', header: 'subject' },
        { key: 'details', header: 'details' },
        { key: 'ip', header: 'ip' },
      ],
    });
    res.type('text/csv; charset=utf-8');
    res.attachment(`audit-log-${new Date().toISOString().slice(0, 10)}.csv`);
    // pipeline: a database error mid-file or a client hanging up ends every stream, never the process.
    await pipeline(rows, csv, res).catch((err: Error) => {
      if (!res.headersSent) throw err;
      res.destroy();
    });
  });

  r.post(
    '/settings/audit/retention',
    ...handleForm({
      view: 'settings/audit',
      page: async (req) => ({ ...(await lists(req)), rows: [], next: undefined, firstPage: true, query: '' }),
      schema: auditRetentionSchema,
      run: async ({ days }, req) => {
        const { workspace } = signedIn(req);
        await log.db.transaction(async (tx) => {
          await deps.setRetentionDays(workspace.id, days, tx);
          await record(
            log.db,
            who(req),
            { action: 'audit.retention_changed', details: { from: workspace.auditRetentionDays, to: days } },
            tx,
          );
        });
        return '/settings/audit?saved=1';
      },
    }),
  );

  return r;
}
