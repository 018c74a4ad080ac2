import { Readable } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import { csvStringifier } from '../../../platform/csv';
import type { Db, Tx } from '../../../platform/db';
import { cleanText } from '../../../platform/text';
import { conflict, found, invalid } from '../../../platform/errors';
import {
  emailSchema,
  MAX_PROPERTY_VALUE,
  MAX_TAGS,
  normalizeLocale,
  PROPERTY_KEY,
  splitTags,
} from '../contacts.schemas';
import { teammates } from '../../accounts';
import { importRepository, type ColumnTarget, type ImportRow } from './import.repository';
import { TARGET_LABELS } from './import.schemas';
import { encodingProblem, guessMapping, sampleRecords, sniffDelimiter } from './sniff';

const CHUNK = 256 * 1024; // the file is stored and re-read a quarter MiB at a time
const HEAD = 64 * 1024; // enough of the start of a file to read its header and first rows
const BATCH = 1000;

/**
 * Where a history's past answers go (handed in by app.ts: responses writes them, contacts imports nothing of it).
 * `record` writes one batch in the import's transaction and returns the keys (`contactId@epoch ms`) it added.
 */
export type HistoryPort = {
  targets(workspaceId: string): Promise<{ id: string; title: string; range: [number, number] }[]>;
  record(
    workspaceId: string,
    surveyId: string,
    answers: { contactId: string; score: number; comment: string | null; at: string }[],
    tx: Tx,
  ): Promise<Set<string>>;
};

type HistoryTarget = Awaited<ReturnType<HistoryPort['targets']>>[number];

/** A file of past answers (from Delighted or another tool) rather than a list of contacts: it has a score column. */
export const isHistory = (mapping: ColumnTarget[]) => mapping.some((m) => m.to === 'score');

/** One person's details over several rows of a history: later rows fill in and win, tags add up. */
function mergePerson(before: ImportRow, later: ImportRow): ImportRow {
  return {
    email: before.email,
    name: later.name ?? before.name,
    locale: later.locale ?? before.locale,
    owner: later.owner ?? before.owner,
    tags: [...new Set([...before.tags, ...later.tags])].sort(),
    properties: { ...before.properties, ...later.properties },
  };
}

export type ImportOptions = { maxBytes: number; history?: HistoryPort };

export type Refusal = { row: number; email: string; reason: string };
export type PreviewRow = { row: number; values: string[]; email: string; problem?: string };

/**
 * CSV import as a job: upload (streamed into the database in chunks, checked for encoding and size as it
 * arrives), map columns, preview, then run. Running streams the stored chunks through csv-parse and
 * upserts in batches, so memory stays flat whatever the file's size, and any instance can do any step.
 */
export function importService(db: Db, opts: ImportOptions) {
  const repo = importRepository(db);

  /** The stored file as a stream, one chunk in memory at a time; counts bytes read for the progress bar. */
  /** The stored file as a stream, from byte `from` on (a read resumed after a broken line). */
  function storedFile(importId: string, progress: { bytes: number }, from = 0) {
    return Readable.from(
      (async function* () {
        let at = 0;
        for (let seq = 0; ; seq++) {
          const data = await repo.chunk(importId, seq);
          if (!data) return;
          const start = Math.max(0, from - at);
          at += data.length;
          if (start >= data.length) continue;
          progress.bytes = at;
          yield start ? data.subarray(start) : data;
        }
      })(),
    );
  }

  /**
   * Where the broken record starting at byte `from` ends: skips blank lines, then its first line. Returns the byte
   * after that line (null at the end of the file) and how many lines were passed.
   */
  /** How many line breaks the stored file has in bytes [from, to). */
  async function newlines(importId: string, from: number, to: number) {
    let n = 0;
    let pos = from;
    for await (const chunk of storedFile(importId, { bytes: 0 }, from) as AsyncIterable<Buffer>) {
      const end = Math.min(chunk.length, to - pos);
      for (let i = 0; i < end; i++) if (chunk[i] === 0x0a) n++;
      pos += chunk.length;
      if (pos >= to) break;
    }
    return n;
  }

  async function pastBrokenLine(importId: string, from: number) {
    let lines = 0;
    let seenText = false;
    // From the byte before: csv-parse may count a CRLF record's end at its CR, leaving the LF to us.
    let pos = Math.max(0, from - 1);
    let prev = -1;
    for await (const chunk of storedFile(importId, { bytes: 0 }, pos) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++, pos++) {
        const c = chunk[i]!;
        const before = prev;
        prev = c;
        if (pos < from) continue;
        if (c === 0x0a) {
          if (!seenText && pos === from && before === 0x0d) continue;
          lines++;
          if (seenText) return { next: pos + 1, lines };
        } else if (c !== 0x0d) seenText = true;
      }
    }
    return { next: null, lines: lines + 1 };
  }

  const load = (workspaceId: string, id: string) => found(repo.find(workspaceId, id), 'import');

  async function upload(
    workspaceId: string,
    userId: string,
    filename: string,
    file: AsyncIterable<Buffer> & { truncated?: boolean },
    /** Settles when the rest of the request has arrived: a form cut off after the file keeps nothing. */
    complete: Promise<void> = Promise.resolve(),
  ) {
    const id = await repo.create(workspaceId, userId, filename.slice(0, 200) || 'contacts.csv');
    try {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let head = Buffer.alloc(0);
      let total = 0;
      let seq = 0;
      const flush = async () => {
        if (!pendingBytes) return;
        await repo.addChunk(id, seq++, Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      };
      for await (const piece of file) {
        total += piece.length;
        if (total > opts.maxBytes) throw tooBig(opts.maxBytes);
        if (head.length < HEAD) {
          head = Buffer.concat([head, piece.subarray(0, HEAD - head.length)]);
          const problem = encodingProblem(head);
          if (problem) throw invalid(problem, { file: problem });
        }
        try {
          decoder.decode(piece, { stream: true });
        } catch {
          throw notUtf8();
        }
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= CHUNK) await flush();
      }
      if (file.truncated) throw tooBig(opts.maxBytes);
      try {
        decoder.decode();
      } catch {
        throw notUtf8();
      }
      await flush();
      await complete;
      if (!total || !head.toString('utf8').trim())
        throw invalid('This file is empty. Export your contacts with a header row and at least one contact.', {
          file: 'The file is empty.',
        });

      const text = head.toString('utf8').replace(/^\uFEFF/, '');
      const delimiter = sniffDelimiter(text.split(/\r?\n/, 1)[0] ?? '');
      const records = sampleRecords(text, delimiter, total <= HEAD);
      const [headers, ...rows] = records;
      if (!headers || !rows.length) {
        throw invalid('This file has a header row but no contacts below it.', { file: 'No rows below the header.' });
      }
      const mapping = guessMapping(headers, rows);
      if (!mapping.some((m) => m.to === 'email')) {
        throw invalid(
          `We found no email column in this file (columns: ${headers
            .slice(0, 12)
            .map((h) => `"${h}"`)
            .join(', ')}). Every contact needs an email address: add a column named "email" and upload again.`,
          { file: 'No email column.' },
        );
      }
      await repo.uploaded(id, { delimiter, headers, bytesTotal: total });
      return id;
    } catch (err) {
      await repo.discard(id);
      throw err;
    }
  }

  /** The first rows as they would be imported with this mapping (or our guess), each with its problem if any. */
  async function preview(workspaceId: string, id: string, chosen?: ColumnTarget[], chosenSurvey?: string, limit = 10) {
    const job = await load(workspaceId, id);
    if (job.status !== 'uploaded')
      return { job, mapping: job.mapping ?? [], rows: [] as PreviewRow[], surveys: [] as HistoryTarget[] };
    const records: string[][] = [];
    const parser = storedFile(id, { bytes: 0 }).pipe(csvParser(job.delimiter));
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        records.push(record);
        if (records.length > limit) break;
      }
    } catch {
      // A malformed row further down is reported when the import reaches it.
    }
    parser.destroy();
    const sample = records.slice(1);
    const mapping = chosen ?? guessMapping(job.headers, sample);
    const owners = await ownerLookup(workspaceId);
    const surveys = isHistory(mapping) ? await historyTargets(workspaceId) : [];
    // A history's scores are checked against the chosen survey's scale, else against the widest (0–10) until one is.
    const range = surveys.find((t) => t.id === chosenSurvey)?.range ?? [0, 10];
    const rows = sample.map((values, i): PreviewRow => {
      const mapped = mapRecord(values, mapping, owners, [], range);
      return 'row' in mapped
        ? { row: i + 2, values, email: mapped.row.email }
        : { row: i + 2, values, email: mapped.email ?? '', problem: mapped.reason };
    });
    return { job, mapping, rows, surveys };
  }

  const historyTargets = async (workspaceId: string): Promise<HistoryTarget[]> =>
    opts.history ? opts.history.targets(workspaceId) : [];

  /** Starts the job (once) and returns at once; `done` settles when it is over, for tests and the bench. */
  async function start(
    workspaceId: string,
    id: string,
    mapping: ColumnTarget[],
    addTags: string[],
    surveyId: string | null = null,
  ) {
    const job = await load(workspaceId, id);
    if (job.status !== 'uploaded') throw conflict('This import has already started.');
    const problem = mappingProblem(mapping, job.headers.length);
    if (problem) throw invalid(problem, { mapping: problem });
    let target: HistoryTarget | undefined;
    if (isHistory(mapping)) {
      target = (await historyTargets(workspaceId)).find((t) => t.id === surveyId);
      if (!target)
        throw invalid('Choose the survey these past answers go into (a survey with a score question).', {
          survey: 'Choose a survey.',
        });
    }
    if (!(await repo.claim(workspaceId, id, mapping, addTags, target?.id ?? null)))
      throw conflict('This import has already started.');
    return { done: run(workspaceId, id, job.delimiter, mapping, addTags, target) };
  }

  async function run(
    workspaceId: string,
    id: string,
    delimiter: string,
    mapping: ColumnTarget[],
    addTags: string[],
    target?: HistoryTarget,
  ) {
    const counts = { bytesDone: 0, rowsDone: 0, added: 0, updated: 0, refused: 0, keptSuppressed: 0, answersAdded: 0 };
    const read = { bytes: 0 };
    try {
      const owners = await ownerLookup(workspaceId);
      let batch: { row: number; data: ImportRow }[] = [];
      let refusals: Refusal[] = [];
      const flushContacts = async () => {
        const kept = new Map<string, { row: number; data: ImportRow }>();
        for (const item of batch) {
          const first = kept.get(item.data.email);
          if (first)
            refusals.push({
              row: item.row,
              email: item.data.email,
              reason: `Duplicate: the same email is on row ${first.row}.`,
            });
          else kept.set(item.data.email, item);
        }
        await db.transaction(async (tx) => {
          const written = kept.size
            ? await repo.upsertBatch(
                workspaceId,
                id,
                [...kept.values()].map((k) => k.data),
                tx,
              )
            : [];
          const back = new Set(written.map((w) => w.email));
          for (const [email, item] of kept) {
            if (!back.has(email))
              refusals.push({ row: item.row, email, reason: 'Duplicate: the same email is on an earlier row.' });
          }
          for (const w of written) {
            if (w.inserted) counts.added++;
            else counts.updated++;
            if (w.inserted && w.status !== 'subscribed') counts.keptSuppressed++;
          }
          counts.refused += refusals.length;
          await repo.addRefusals(id, refusals, tx);
          counts.bytesDone = read.bytes;
          await repo.progress(id, counts, tx);
        });
        batch = [];
        refusals = [];
      };

      /**
       * A history: one person may have answered many times, so each batch upserts each person once (their details
       * from their last row in the file) and then writes every row's answer under that contact. An answer already
       * imported (same survey, person and time) is reported and skipped, so importing twice is safe.
       */
      const flushHistory = async (survey: HistoryTarget) => {
        const people = new Map<string, ImportRow>();
        for (const { data } of batch) {
          const before = people.get(data.email);
          people.set(data.email, before ? mergePerson(before, data) : data);
        }
        await db.transaction(async (tx) => {
          const written = people.size
            ? await repo.upsertBatch(
                workspaceId,
                id,
                [...people.values()].map(({ answer: _answer, ...person }) => person),
                tx,
              )
            : [];
          for (const w of written) {
            if (w.inserted) counts.added++;
            else counts.updated++;
            if (w.inserted && w.status !== 'subscribed') counts.keptSuppressed++;
          }
          const contacts = new Map(
            (await repo.contactsByEmail(workspaceId, [...people.keys()], tx)).map((c) => [c.email, c]),
          );
          const answers: {
            row: number;
            email: string;
            contactId: string;
            score: number;
            comment: string | null;
            at: string;
          }[] = [];
          const seen = new Map<string, number>();
          for (const { row, data } of batch) {
            const contact = contacts.get(data.email);
            if (!contact || contact.erased) {
              refusals.push({
                row,
                email: data.email,
                reason: "This person's data was erased: their answers are not imported.",
              });
              continue;
            }
            const key = `${contact.id}@${Date.parse(data.answer!.at)}`;
            const first = seen.get(key);
            if (first) {
              refusals.push({
                row,
                email: data.email,
                reason: `Duplicate: the same person and time are on row ${first}.`,
              });
              continue;
            }
            seen.set(key, row);
            answers.push({ row, email: data.email, contactId: contact.id, ...data.answer! });
          }
          const added = await opts.history!.record(workspaceId, survey.id, answers, tx);
          for (const a of answers) {
            if (added.has(`${a.contactId}@${Date.parse(a.at)}`)) counts.answersAdded++;
            else
              refusals.push({
                row: a.row,
                email: a.email,
                reason: 'Already imported: this answer (same person, same time) is in the survey.',
              });
          }
          counts.refused += refusals.length;
          await repo.addRefusals(id, refusals, tx);
          counts.bytesDone = read.bytes;
          await repo.progress(id, counts, tx);
        });
        batch = [];
        refusals = [];
      };
      const flush = () => (target ? flushHistory(target) : flushContacts());

      // A record whose quote never closes swallows the lines after it (until the end of the file or the record
      // size limit). csv-parse reports it as a skipped record; the read then stops there, the broken line is
      // refused with its number, and reading resumes on the next line, so the rows after it still import.
      let from = 0;
      let lineBase = 0;
      // Line breaks counted in the file so far (csv-parse's own count drifts on a CRLF inside quotes).
      const lines = { to: 0, count: 0 };
      let header = true;
      for (let resumed = 0; ; resumed++) {
        const at = { bytes: 0, broken: false };
        const parser = csvParser(delimiter, at);
        for await (const { record, line } of storedFile(id, read, from).pipe(parser) as AsyncIterable<{
          record: string[];
          line: number;
        }>) {
          if (header) {
            header = false;
            continue;
          }
          const row = lineBase + line;
          counts.rowsDone++;
          const mapped = mapRecord(record, mapping, owners, addTags, target?.range);
          if ('reason' in mapped) refusals.push({ row, email: mapped.email ?? '', reason: mapped.reason });
          else batch.push({ row, data: mapped.row });
          if (batch.length + refusals.length >= BATCH) await flush();
        }
        if (!at.broken) break;
        const start = from + at.bytes;
        lines.count += await newlines(id, lines.to, start);
        lines.to = start;
        const past = await pastBrokenLine(id, start);
        const line = lines.count + past.lines;
        counts.rowsDone++;
        refusals.push({
          row: line,
          email: '',
          reason: `Line ${line} opens a quote (") that is never closed, so this line was skipped. Fix the quote and import the file again (the other rows are safe to import twice).`,
        });
        if (past.next === null) break;
        if (resumed >= MAX_BROKEN_LINES) throw new TooBroken(line);
        from = past.next;
        lineBase = line;
      }
      await flush();
      await repo.finish(id, 'done', null);
    } catch (err) {
      const message =
        err instanceof TooBroken
          ? err.message
          : err instanceof Error && 'code' in err && String(err.code).startsWith('CSV_')
            ? `The file could not be read as CSV near row ${counts.rowsDone + 1}: ${err.message}`
            : 'The import stopped because of an error on our side. Contacts imported so far are kept; upload the file again to finish (it is safe to import twice).';
      await repo.finish(id, 'failed', message).catch(() => undefined);
    }
  }

  async function ownerLookup(workspaceId: string) {
    const users = await teammates(db).list(workspaceId);
    const map = new Map<string, string>();
    for (const u of users) {
      map.set(u.name.trim().toLowerCase(), u.id);
      map.set(u.email.toLowerCase(), u.id);
    }
    return map;
  }

  /** The refusals as CSV, streamed page by page: a file with many bad rows never sits in memory. */
  function refusalsCsv(importId: string) {
    const out = csvStringifier({ header: true, columns: ['row', 'email', 'reason'] });
    void (async () => {
      let after = 0;
      for (;;) {
        const page = await repo.refusalsPage(importId, after, 1000);
        for (const r of page) {
          if (!out.write([r.row, r.email, r.reason])) await new Promise((resolve) => out.once('drain', resolve));
        }
        if (page.length < 1000) break;
        after = page[page.length - 1]!.row;
      }
      out.end();
    })().catch((err) => out.destroy(err));
    return out;
  }

  return { upload, preview, start, load, recent: repo.recent, refusalsCsv };
}
export type ImportService = ReturnType<typeof importService>;

/** After this many lines with an unclosed quote, the file is not a CSV we can trust: the import stops there. */
const MAX_BROKEN_LINES = 100;
class TooBroken extends Error {
  constructor(line: number) {
    super(
      `The import stopped at line ${line}: more than ${MAX_BROKEN_LINES} lines open a quote (") that never closes. Contacts imported so far are kept; check that the file is a CSV export and import it again.`,
    );
  }
}

/**
 * The parser, giving each record with the line it ends on. With `at`, an unreadable record (a quote never closed,
 * a record over the size limit) does not fail the stream: `at` says where the last good record ended and that
 * the rest was not read, and nothing after it is given out (see run()).
 */
const csvParser = (delimiter: string, at?: { bytes: number; broken: boolean }) => {
  const options: Options = {
    skip_records_with_error: !!at,
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    trim: true,
    max_record_size: 64 * 1024,
    // A file is input like any form: the same control characters are cleaned from every cell.
    cast: (value: string) => cleanText(value),
  };
  if (at)
    options.on_record = ((record: string[], ctx: { bytes: number; lines: number }) => {
      if (at.broken) return null;
      at.bytes = ctx.bytes;
      return { record, line: ctx.lines };
    }) as never;
  const parser = parse(options);
  if (at)
    parser.on('skip', () => {
      at.broken = true;
    });
  return parser;
};

const tooBig = (max: number) => {
  const mb = Math.round(max / (1024 * 1024));
  return invalid(
    `This file is over the ${mb} MB limit. Split it into smaller files and import them one after the other.`,
    { file: `Over ${mb} MB.` },
  );
};
const notUtf8 = () =>
  invalid(
    'This file is not in UTF-8, so names with accents would come out garbled. In Excel choose "CSV UTF-8" when saving, then upload again.',
    {
      file: 'Not UTF-8.',
    },
  );

export function mappingProblem(mapping: ColumnTarget[], columns: number): string | undefined {
  if (mapping.length !== columns) return 'Choose what each column of the file becomes.';
  const count = (to: string) => mapping.filter((m) => m.to === to).length;
  if (count('email') !== 1)
    return count('email')
      ? 'Only one column can be the email.'
      : 'Choose which column holds the email address: every contact needs one.';
  for (const to of ['name', 'first_name', 'last_name', 'locale', 'owner', 'tags', 'score', 'comment', 'answered_at'])
    if (count(to) > 1)
      return `Only one column can be the ${TARGET_LABELS[to as keyof typeof TARGET_LABELS].toLowerCase()}.`;
  if ((count('comment') || count('answered_at')) && !count('score'))
    return 'Past answers need their score: choose which column holds it (or import the file as contacts only).';
  if (count('score') && !count('answered_at'))
    return 'Past answers need the time they were given: choose which column holds it (a date, ISO 8601 time or Unix timestamp).';
  const keys = mapping.flatMap((m) => (m.to === 'property' ? [m.key] : []));
  if (keys.some((k) => !PROPERTY_KEY.test(k)))
    return 'Property names use letters, digits, space, _ . - (at most 40 characters).';
  if (new Set(keys).size !== keys.length) return 'Two columns cannot fill the same property.';
  return undefined;
}

type Mapped = { row: ImportRow } | { reason: string; email?: string };

/** One CSV record through the mapping: the contact to upsert, or why the row is refused. */
export function mapRecord(
  record: string[],
  mapping: ColumnTarget[],
  owners: Map<string, string>,
  addTags: string[],
  /** A history's scale: its scores are checked against it. */
  range: [number, number] = [0, 10],
  now = Date.now(),
): Mapped {
  let score: number | null = null;
  let comment: string | null = null;
  let at: string | null = null;
  let name = '';
  let first = '';
  let last = '';
  let locale: string | null = null;
  let owner: string | null = null;
  const tags = new Set(addTags);
  const properties: Record<string, string> = {};
  let rawEmail = '';
  for (let i = 0; i < mapping.length; i++) {
    const m = mapping[i]!;
    const v = (record[i] ?? '').trim();
    const emailOf = () => rawEmail || record[mapping.findIndex((x) => x.to === 'email')] || '';
    if (m.to === 'email') rawEmail = v;
    else if (m.to === 'score') {
      if (!/^\d+(\.0+)?$/.test(v) || Number(v) < range[0] || Number(v) > range[1])
        return {
          reason: v
            ? `Score "${v.slice(0, 20)}" is not a whole number from ${range[0]} to ${range[1]}.`
            : 'No score on this row.',
          email: emailOf(),
        };
      score = Number(v);
    } else if (m.to === 'answered_at') {
      const when = parseAnsweredAt(v, now);
      if (typeof when !== 'string') return { reason: when.reason, email: emailOf() };
      at = when;
    } else if (!v || m.to === 'ignore') continue;
    else if (m.to === 'comment') {
      if (v.length > MAX_COMMENT)
        return { reason: `The comment is longer than ${MAX_COMMENT} characters.`, email: emailOf() };
      comment = v;
    } else if (m.to === 'name') name = v;
    else if (m.to === 'first_name') first = v;
    else if (m.to === 'last_name') last = v;
    else if (m.to === 'locale') {
      const l = normalizeLocale(v);
      if (!l)
        return {
          reason: `Unknown locale "${v.slice(0, 20)}": use en, fr, de or es (or leave it empty).`,
          email: rawEmail || record[mapping.findIndex((x) => x.to === 'email')],
        };
      locale = l;
    } else if (m.to === 'owner') {
      const id = owners.get(v.toLowerCase());
      if (!id)
        return {
          reason: `Unknown owner "${v.slice(0, 60)}": use a teammate's email or name.`,
          email: record[mapping.findIndex((x) => x.to === 'email')],
        };
      owner = id;
    } else if (m.to === 'tags') splitTags(v).forEach((t) => tags.add(t));
    else if (m.to === 'property') {
      if (v.length > MAX_PROPERTY_VALUE)
        return {
          reason: `"${m.key}" is longer than ${MAX_PROPERTY_VALUE} characters.`,
          email: record[mapping.findIndex((x) => x.to === 'email')],
        };
      properties[m.key] = v;
    }
  }
  if (!rawEmail) return { reason: 'No email address on this row.', email: '' };
  const parsed = emailSchema.safeParse(rawEmail);
  if (!parsed.success) return { reason: `Invalid email "${rawEmail.slice(0, 80)}".`, email: rawEmail.slice(0, 254) };
  const email = parsed.data;
  const fullName = (name || [first, last].filter(Boolean).join(' ')).slice(0, 120);
  if ([...tags].some((t) => t.length > 40) || tags.size > MAX_TAGS)
    return { reason: `Too many or too long tags (at most ${MAX_TAGS}, 40 characters each).`, email };
  const row: ImportRow = { email, name: fullName || null, locale, owner, tags: [...tags].sort(), properties };
  if (score !== null && at !== null) row.answer = { score, comment, at };
  return { row };
}

/** As long as a respondent's own comment may be. */
const MAX_COMMENT = 5000;
// Before any survey tool we know of kept answers: a year like 0024 is a typo, not history.
const EARLIEST = Date.UTC(2000, 0, 1);

/**
 * When a past answer was given, as exports write it: a Unix timestamp (seconds, as Delighted's API gives
 * `created_at`, or milliseconds), ISO 8601 with or without a zone (none means UTC, as Delighted's export writes
 * "2024-03-01 14:05:00 UTC"), or a date alone (midnight UTC). Anything else is refused: guessing between
 * 03/04 as March or April would misplace answers in the trend.
 */
export function parseAnsweredAt(raw: string, now = Date.now()): string | { reason: string } {
  const v = raw.trim();
  const unreadable = {
    reason: v
      ? `Unreadable time "${v.slice(0, 40)}": write it as 2024-03-01 14:05:00 (UTC), ISO 8601 or a Unix timestamp.`
      : 'No time on this row: when was this answer given?',
  };
  let ms: number;
  if (/^\d{9,10}$/.test(v)) ms = Number(v) * 1000;
  else if (/^\d{12,13}$/.test(v)) ms = Number(v);
  else {
    const m =
      /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i.exec(
        v,
      );
    if (!m) return unreadable;
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
    const offset = /^(Z|UTC|GMT)$/i.test(zone) ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${offset}`;
    ms = Date.parse(iso);
    // Date.parse rolls 2024-02-30 over to March: a day that does not exist is refused, not moved.
    if (Number.isNaN(ms) || new Date(Date.parse(`${y}-${mo}-${d}T00:00:00Z`)).getUTCDate() !== Number(d))
      return unreadable;
  }
  if (ms < EARLIEST) return { reason: `The time "${v.slice(0, 40)}" is before 2000: check the column.` };
  if (ms > now + 60_000) return { reason: `The time "${v.slice(0, 40)}" is in the future.` };
  return new Date(ms).toISOString();
}
