import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { FORMULA_START, neutralizeCell } from '../../platform/csv';
import type { Db } from '../../platform/db';
import { copyOut, queryStream } from '../../platform/dbStream';
import { AppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { isScale, primaryScale, type Question } from '../surveys';
import { responsesInScope, type Scope } from './scope';

/** Exports hold a pooled connection while they stream: a few at once per process, the rest wait their turn. */
const MAX_RUNNING = 2;

/** The same rule as platform/csv.ts, applied by PostgreSQL to each text cell it writes. */
const neutralSql = (expr: string) => `CASE WHEN (${expr}) ~ :formulaStart THEN '''' || (${expr}) ELSE (${expr}) END`;

/** One column per question of the shown version, read from the versions where the question is the same. */
function questionColumns(scope: Scope) {
  const primary = primaryScale(scope.questions);
  const replacements: Record<string, unknown> = {};
  const columns = scope.questions.map((q: Question, i) => {
    const versions = scope.compat.filter((k) => k.endsWith(`:${q.id}`)).map((k) => Number(k.split(':')[0]));
    replacements[`qid${i}`] = q.id;
    replacements[`qv${i}`] = versions.length ? versions : [-1];
    const a = `r.answers -> :qid${i}`;
    let value: string;
    if (q.id === primary?.id) value = 'r.score::text';
    else if (isScale(q)) value = `CASE WHEN jsonb_typeof(${a}) = 'number' THEN ${a} #>> '{}' END`;
    else if (q.type === 'multiple_choice')
      value = neutralSql(
        `array_to_string(ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(${a}) = 'array' THEN ${a} END)), '; ')`,
      );
    else value = neutralSql(`r.answers ->> :qid${i}`);
    return `CASE WHEN r.survey_version IN (:qv${i}) THEN ${value} END`;
  });
  return { columns, replacements };
}

/**
 * `statementTimeoutMs`: how long one export may stream. Its connection comes from the dashboards' pool, whose
 * own statement timeout (seconds) would cut a download of millions of rows; the export sets its own.
 */
export function exporter(db: Db, log: Logger, o: { statementTimeoutMs?: number } = {}) {
  const streamOptions = o.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: o.statementTimeoutMs };
  let running = 0;

  async function stream(
    res: Response,
    filename: string,
    contentType: string,
    open: () => Promise<Readable>,
    head: string,
    lines = false,
  ) {
    if (running >= MAX_RUNNING) {
      res.setHeader('Retry-After', '30');
      throw new AppError(429, 'busy', 'Other exports are running right now. Try again in a minute.');
    }
    running++;
    try {
      const source = await open();
      res.status(200);
      res.setHeader('Content-Type', contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.write(head);
      if (lines)
        await pipeline(
          source,
          async function* (rows: AsyncIterable<{ line: string }>) {
            for await (const row of rows) yield `${row.line}\n`;
          },
          res,
        );
      else await pipeline(source, res);
    } catch (err) {
      if (!res.headersSent) throw err;
      // The client went away, or the database failed mid-way: the response is cut (never ends cleanly), so
      // the download shows as failed rather than as a complete file; the connection was closed, not reused.
      const code = (err as { code?: string }).code;
      if (code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn({ err }, 'export stopped');
      res.destroy();
    } finally {
      running--;
    }
  }

  return {
    /**
     * CSV: UTF-8 with a BOM (spreadsheets then read accents right), a header of fixed columns and the
     * question texts, then one row per response, oldest first. PostgreSQL writes the rows (COPY … CSV):
     * the fastest way out, and memory stays flat whatever the size.
     */
    csv(res: Response, scope: Scope, filename: string) {
      const raw = responsesInScope(scope);
      const q = questionColumns(scope);
      const sql = `SELECT r.id, to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), r.survey_version,
          CASE WHEN r.completed_at IS NULL THEN 'no' ELSE 'yes' END,
          ${neutralSql('c.email')}, ${neutralSql('c.name')}${q.columns.map((col) => `,\n          ${col}`).join('')}
        ${raw.sql} LEFT JOIN contacts c ON c.id = r.contact_id
        WHERE ${raw.where}
        ORDER BY r.submitted_at, r.id`;
      const header = ['response_id', 'submitted_at', 'version', 'completed', 'contact_email', 'contact_name'].concat(
        scope.questions.map((x) => neutralizeCell(x.text)),
      );
      return stream(
        res,
        filename,
        'text/csv; charset=utf-8',
        () =>
          copyOut(
            db,
            sql,
            { ...raw.replacements, ...q.replacements, formulaStart: FORMULA_START.source },
            'FORMAT csv',
            streamOptions,
          ),
        `\uFEFF${stringify([header])}`,
      );
    },

    /** JSON Lines: one object per response (its answers keyed by question id), oldest first. */
    jsonl(res: Response, scope: Scope, filename: string) {
      const raw = responsesInScope(scope);
      const sql = `SELECT json_build_object('id', r.id, 'submitted_at', r.submitted_at, 'version', r.survey_version,
          'completed_at', r.completed_at, 'score', r.score, 'answers', r.answers,
          'contact', CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object('email', c.email, 'name', c.name) END)::text AS line
        ${raw.sql} LEFT JOIN contacts c ON c.id = r.contact_id
        WHERE ${raw.where}
        ORDER BY r.submitted_at, r.id`;
      return stream(
        res,
        filename,
        'application/x-ndjson; charset=utf-8',
        () => queryStream(db, sql, raw.replacements, streamOptions),
        '',
        true,
      );
    },
  };
}
export type Exporter = ReturnType<typeof exporter>;
