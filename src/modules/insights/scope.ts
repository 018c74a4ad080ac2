import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import { segmentAudience, segmentCondition, type ContactFilter } from '../contacts';
import type { Question } from '../surveys';
import type { Filters } from './insights.schemas';

/**
 * What an insights view is about: one survey, the versions whose answers count, the questions shown, a
 * UTC date range and, optionally, a condition on who answered (segment, tag, property, owner).
 *
 * Questions are matched across versions by id *and* type: "all versions" counts a question's answers from
 * every version where it had the same type, so a reworded question keeps its history, while an id reused for
 * another scale (0–10 became 1–5) never mixes two scales in one number.
 */
export type Scope = {
  workspaceId: string;
  surveyId: string;
  questions: Question[];
  versions: number[];
  /** 'version:questionId' of every cell that belongs to a shown question. */
  compat: string[];
  from: string | null;
  to: string | null;
  /** A condition on the contacts alias `ct`; null when the view is about everyone. */
  people: { sql: string; replacements: Record<string, unknown> } | null;
  /** Versions in which each shown question is free text (its answers count as answered or not). */
  textVersions: Record<string, number[]>;
  /** A narrowed view's cells, counted once per request (getPeopleDayCells). */
  cells?: DayCell[];
};

export type DayCell = { survey_version: number; day: string; question_id: string; value: string; n: number };

export type VersionQuestions = { version: number; questions: Question[] };

export async function buildScope(
  db: Db,
  o: { workspaceId: string; surveyId: string; currentVersion: number; versions: VersionQuestions[]; filters: Filters },
): Promise<Scope> {
  const { filters: f } = o;
  const shown = f.version ?? o.currentVersion;
  const base = o.versions.find((v) => v.version === shown);
  if (!base) throw notFound('version of this survey');
  const counted = f.version ? [base] : o.versions;
  const compat: string[] = [];
  const textVersions: Record<string, number[]> = {};
  for (const q of base.questions)
    for (const v of counted) {
      const same = v.questions.find((x) => x.id === q.id);
      if (same?.type === q.type) compat.push(`${v.version}:${q.id}`);
      if (same?.type === 'long_text' || same?.type === 'short_text') (textVersions[q.id] ??= []).push(v.version);
    }
  return {
    workspaceId: o.workspaceId,
    surveyId: o.surveyId,
    questions: base.questions,
    versions: counted.map((v) => v.version),
    compat,
    from: f.from ?? null,
    to: f.to ?? null,
    people: await peopleCondition(db, o.workspaceId, f),
    textVersions,
  };
}

/**
 * The scope narrowed to a saved segment (each side of a comparison), on top of its other filters. The base
 * scope must carry no segment of its own: both would bind the same replacement names.
 */
export async function withSegment(db: Db, scope: Scope, segmentId: string): Promise<Scope> {
  const seg = await segmentAudience(db, scope.workspaceId, segmentId, 'ct');
  if (!seg.found) throw notFound('segment');
  const parts = [scope.people?.sql, seg.sql].filter(Boolean);
  return {
    ...scope,
    cells: undefined,
    people: {
      sql: parts.join(' AND '),
      replacements: { ...scope.people?.replacements, ...seg.replacements },
    },
  };
}

async function peopleCondition(db: Db, workspaceId: string, f: Filters): Promise<Scope['people']> {
  const parts: string[] = [];
  const replacements: Record<string, unknown> = {};
  if (f.segment) {
    const seg = await segmentAudience(db, workspaceId, f.segment, 'ct');
    if (!seg.found) throw notFound('segment');
    parts.push(`(${seg.sql})`);
    Object.assign(replacements, seg.replacements);
  }
  const extra: ContactFilter = {};
  if (f.tag) extra.tags = [f.tag];
  if (f.prop) extra.properties = [{ key: f.prop.key, value: f.prop.value }];
  if (extra.tags || extra.properties) {
    const cond = segmentCondition(extra, 'ct', 'pf');
    parts.push(`(${cond.sql})`);
    Object.assign(replacements, cond.replacements);
  }
  if (f.owner) {
    parts.push('ct.owner_user_id = :peopleOwner');
    replacements.peopleOwner = f.owner;
  }
  return parts.length ? { sql: parts.join(' AND '), replacements } : null;
}

/** What a query reads of a narrowed view's cells: one question, one value, from a day on (YYYY-MM-DD). */
export type CellsNeeded = { questionId?: string; value?: string; sinceDay?: string };

/**
 * The answers in scope as count cells (survey_version, day, question_id, value, n), in SQL:
 *  - about everyone: the rollup plus what is not folded into it yet (insight_rollup_unfolded: cell deltas and
 *    the changed rows' images cut into cells), read in the same statement (so exact);
 *  - about some people: their raw answers, cut into cells once per request by the same database function the
 *    rollup is maintained with (getPeopleDayCells), handed back to each query as a parameter.
 * Always scoped to the workspace and the survey.
 */
export function cellSource(
  scope: Scope,
  only: CellsNeeded = {},
): { sql: string; replacements: Record<string, unknown> } {
  const replacements: Record<string, unknown> = {
    workspaceId: scope.workspaceId,
    surveyId: scope.surveyId,
    versions: scope.versions,
    fromDay: scope.from,
    toDay: scope.to,
  };
  if (!scope.people) {
    const part = (table: string) =>
      `SELECT survey_version, day, question_id, value, n FROM ${table}
       WHERE workspace_id = :workspaceId AND survey_id = :surveyId AND survey_version IN (:versions)
         AND (:fromDay::date IS NULL OR day >= :fromDay::date) AND (:toDay::date IS NULL OR day <= :toDay::date)`;
    return { sql: `(${part('insight_rollups')} UNION ALL ${part('insight_rollup_unfolded')})`, replacements };
  }
  if (!scope.cells) throw new Error('A narrowed scope is read from its cells: count them first (getPeopleDayCells).');
  // Each query is handed only the cells it can use (its question, its days): PostgreSQL parses the JSON once per
  // query, and the whole set is ~10,000 cells (days × values) whatever the number of answers. The query's own
  // WHERE still decides what counts; this only leaves out cells it would discard.
  const cells = scope.cells.filter(
    (c) =>
      (only.questionId === undefined || c.question_id === only.questionId) &&
      (only.value === undefined || c.value === only.value) &&
      (only.sinceDay === undefined || c.day >= only.sinceDay),
  );
  return {
    sql: `(SELECT * FROM jsonb_to_recordset(:dayCells::jsonb) AS x(survey_version int, day date, question_id text, value text, n bigint))`,
    replacements: { ...replacements, dayCells: JSON.stringify(cells) },
  };
}

/**
 * FROM … and WHERE … of the raw responses in scope (alias r; contacts ct when people are filtered). Dates
 * are UTC days, as in the rollup.
 */
export function responsesInScope(scope: Scope) {
  return {
    sql: `FROM responses r${scope.people ? ` JOIN contacts ct ON ct.id = r.contact_id AND ct.workspace_id = r.workspace_id AND ${scope.people.sql}` : ''}`,
    where: `r.workspace_id = :workspaceId AND r.survey_id = :surveyId AND r.survey_version IN (:versions)
      AND (:fromDay::date IS NULL OR r.submitted_at >= (:fromDay::date)::timestamp AT TIME ZONE 'UTC')
      AND (:toDay::date IS NULL OR r.submitted_at < (:toDay::date + 1)::timestamp AT TIME ZONE 'UTC')`,
    replacements: {
      workspaceId: scope.workspaceId,
      surveyId: scope.surveyId,
      versions: scope.versions,
      fromDay: scope.from,
      toDay: scope.to,
      ...scope.people?.replacements,
    },
  };
}

/** Cells that belong to the shown questions (and the per-response '#…' cells). */
export const COMPAT_CELLS = `(question_id LIKE '#%' OR survey_version::text || ':' || question_id IN (:compat))`;
export const compatOf = (scope: Scope) => (scope.compat.length ? scope.compat : ['-']);
