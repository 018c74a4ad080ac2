import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import { primaryScale, type Question, type Survey, type SurveysService } from '../surveys';
import type { Filters, Grain } from './insights.schemas';
import { textSearchFor } from './language';
import { bandLabel, buildSections, distributionOf, scaleEstimate, SCALE_NAMES, type Section } from './metrics';
import * as present from './present';
import { getActiveSurveys } from './queries/getActiveSurveys';
import { getLoopClosure } from './queries/getLoopClosure';
import { getNewestComments } from './queries/getNewestComments';
import { getOpenUnhappy } from './queries/getOpenUnhappy';
import { getPeopleDayCells } from './queries/getPeopleDayCells';
import { getQuestionTotals } from './queries/getQuestionTotals';
import { getRecentPeriods } from './queries/getRecentPeriods';
import { getResponseRate } from './queries/getResponseRate';
import { getResponsesPage } from './queries/getResponsesPage';
import { getSurveyVersions } from './queries/getSurveyVersions';
import { getTextAnswers } from './queries/getTextAnswers';
import { getThemes } from './queries/getThemes';
import { getTrend } from './queries/getTrend';
import { getTrendDensity } from './queries/getTrendDensity';
import { rollupCache } from './rollupCache';
import { buildScope, withSegment, type Scope } from './scope';
import { compare, type Estimate } from './stats';
import { buildPoints, chooseGrain, MAX_POINTS, periodsBetween } from './trend';

/** Answers shown under each open question on the dashboard; the feed pages by this many. */
const DASHBOARD_COMMENTS = 5;
export const FEED_PAGE = 20;
/** A search reads this many answers back per page (see getTextAnswers). */
const SEARCH_WINDOW = 20_000;
/** Themes are counted over this many of the most recent answers in scope (see getThemes). */
export const THEME_SAMPLE = 1_000;
export const RESPONSES_PAGE = 50;

export type Workspace = { id: string; anonymityThreshold: number };

/** Comments the weekly digest shows per survey. */
const DIGEST_COMMENTS = 3;

/**
 * One survey in the weekly digest, worded as its dashboard words it (present.ts): the headline of its first
 * scale over everyone, "are we getting better?" (the last 30 days against the 30 before), the unhappy answers
 * still open, and the ids of its newest comments (their text is read when the email is written).
 */
export type DigestSurvey = {
  id: string;
  title: string;
  responses: number;
  /** Null for a survey without a scale question (its digest is the counts and comments). */
  headline: { scale: string; question: string; name: string; value: string; interval: string } | null;
  verdict: { kind: 'better' | 'worse' | 'unclear' | 'none'; text: string; periods: string } | null;
  openUnhappy: number;
  /** "detractors (0–6)", "low scores (1–3)"; null without a scale. */
  unhappyLabel: string | null;
  commentIds: string[];
};

export type View = {
  survey: Survey;
  versions: number[];
  filters: Filters;
  scope: Scope;
  threshold: number;
  /** The view is narrowed to some people (segment, tag, property, owner). */
  narrowed: boolean;
  /** Its rollup reads, through the cache at the rollup's version of this request (rollupCache.ts). */
  cached: Cached;
  /** Resolves once a narrowed view's cells are counted (at once for an unfiltered view). */
  cellsReady: Promise<void>;
};
type Cached = <T>(what: string, compute: () => Promise<T>) => Promise<T>;

export function insightsService(deps: { db: Db; surveys: SurveysService }) {
  const { db } = deps;
  const cache = rollupCache(db);

  /** Loads the survey and its versions and turns the URL's filters into a scope. */
  async function view(workspace: Workspace, surveyId: string, filters: Filters): Promise<View> {
    const survey = await deps.surveys.get(workspace.id, surveyId);
    const versions = await getSurveyVersions(db, workspace.id, survey.id);
    if (filters.version && !versions.some((v) => v.version === filters.version))
      throw notFound('version of this survey');
    const scope: Scope = await buildScope(db, {
      workspaceId: workspace.id,
      surveyId: survey.id,
      currentVersion: survey.currentVersion,
      versions,
      filters,
    });
    // A narrowed view's cells are counted while the reads that do not need them (the open questions' newest
    // answers and themes) run; every read of the counts waits for them (sized). Awaited there, so a view
    // dropped before that must not leave an unhandled rejection.
    const cellsReady = scope.people
      ? getPeopleDayCells(db, scope).then((cells) => {
          scope.cells = cells;
        })
      : Promise.resolve();
    cellsReady.catch(() => undefined);
    return {
      cellsReady,
      survey,
      versions: versions.map((v) => v.version),
      filters,
      scope,
      threshold: workspace.anonymityThreshold,
      narrowed: scope.people !== null,
      cached: await cache.forScope(scope),
    };
  }

  /** How many responses are in scope, and whether a narrowed view is too small to show (anonymity). */
  async function sized(v: View) {
    await v.cellsReady;
    const totals = await v.cached('totals', () => getQuestionTotals(db, v.scope));
    const responses = Number(totals.find((t) => t.questionId === '#responses')?.n ?? 0);
    return { totals, responses, tooSmall: v.narrowed && responses > 0 && responses < v.threshold };
  }

  const versionsOf = (scope: Scope, questionId: string) =>
    scope.compat.filter((k) => k.endsWith(`:${questionId}`)).map((k) => Number(k.split(':')[0]));

  function textQuestion(scope: Scope, questionId: string) {
    const q = scope.questions.find((x) => x.id === questionId);
    if (!q || (q.type !== 'long_text' && q.type !== 'short_text')) throw notFound('open question of this survey');
    return q;
  }

  async function trend(v: View, primary: Question | undefined, asked: Grain | undefined) {
    const questionId = primary?.id ?? '#responses';
    const densities = await v.cached(`density:${questionId}`, () => getTrendDensity(db, v.scope, questionId));
    const grain = chooseGrain(asked, densities);
    const window = densities.find((d) => d.grain === grain)!;
    let periods = periodsBetween(window.start, window.end, grain);
    const clipped = periods.length > MAX_POINTS;
    if (clipped) periods = periods.slice(-MAX_POINTS);
    const start = periods[0]!;
    const cells = await v.cached(`trend:${questionId}:${grain}:${start}:${window.end}`, () =>
      getTrend(db, v.scope, questionId, grain, start, window.end),
    );
    const points = buildPoints(periods, cells, primary, v.threshold);
    return { grain, points, clipped, shown: points.filter((p) => p.value !== null).length };
  }

  /**
   * The themes of an open question: the costliest read of an unfiltered page (every word of the last 1,000
   * answers looked up in the dictionary), and cached with the rollup reads. Exact: every change of an answer's
   * text, an erasure or a deletion appends to the pending rows the cache's version counts.
   */
  const themesOf = (v: View, questionId: string, versions: number[], dictionary: string, top: number) =>
    v.cached(`themes:${questionId}:${versions.join(',')}:${dictionary}:${top}`, () =>
      getThemes(db, v.scope, { questionId, versions, dictionary, sample: THEME_SAMPLE, top }),
    );

  async function change(v: View, primary: Question) {
    const cells = await v.cached(`recent:${primary.id}`, () => getRecentPeriods(db, v.scope, primary.id));
    const side = (current: boolean): Estimate => {
      const est = scaleEstimate(primary, distributionOf(cells.filter((c) => c.current === current)));
      // A 30-day period is a group like any other: below the threshold it shows no score.
      return est.n > 0 && est.n < v.threshold ? { ...est, value: null, low: null, high: null, se: null } : est;
    };
    const current = side(true);
    const previous = side(false);
    return { current, previous, change: compare(current, previous) };
  }

  return {
    view,
    /** Hits and misses of the rollup cache (for the tests and the bench). */
    cacheStats: cache.stats,

    /** The survey's summary page: a section per question of the shown version, in order. */
    async dashboard(v: View, asked: Grain | undefined) {
      const search = textSearchFor(v.survey.language);
      // The open questions do not need the counts: read meanwhile (see view), dropped if the view is too small.
      const texts = Promise.all(
        buildSections(v.scope.questions, [])
          .filter((s): s is Extract<Section, { kind: 'text' }> => s.kind === 'text')
          .map(async (s) => {
            const versions = versionsOf(v.scope, s.question.id);
            const [latest, themes] = await Promise.all([
              getTextAnswers(db, v.scope, {
                questionId: s.question.id,
                versions,
                config: search.config,
                limit: DASHBOARD_COMMENTS,
                window: DASHBOARD_COMMENTS,
              }),
              themesOf(v, s.question.id, versions, search.dictionary, 8),
            ]);
            return [s.question.id, { latest: latest.items, themes }] as const;
          }),
      ).then((pairs) => Object.fromEntries(pairs));
      texts.catch(() => undefined);
      const { totals, responses, tooSmall } = await sized(v);
      const primary = primaryScale(v.scope.questions);
      const sections = buildSections(v.scope.questions, totals);
      const version = v.filters.version ?? null;
      const whole = !v.narrowed;
      if (tooSmall)
        return {
          responses,
          tooSmall,
          sections,
          primary,
          headline: null,
          trend: null,
          change: null,
          texts: {},
          rate: null,
          loop: null,
        };
      const [trendData, changeData, rate, loop, textData] = await Promise.all([
        trend(v, primary, asked),
        primary ? change(v, primary) : null,
        whole ? getResponseRate(db, v.scope.workspaceId, v.scope.surveyId, version) : null,
        whole && primary ? getLoopClosure(db, v.scope, primary) : null,
        texts,
      ]);
      const headline = primary ? sections.find((s) => s.question.id === primary.id) : null;
      return {
        responses,
        tooSmall,
        sections,
        primary,
        headline,
        trend: trendData,
        change: changeData,
        texts: textData,
        rate,
        loop,
      };
    },

    /** One open question's answers: searchable, paged, newest first. */
    async comments(v: View, o: { questionId: string; q?: string; after?: { at: string; id: string } }) {
      const question = textQuestion(v.scope, o.questionId);
      const { tooSmall, totals } = await sized(v);
      const answered = Number(totals.find((t) => t.questionId === question.id && t.value === '')?.n ?? 0);
      if (tooSmall) return { question, tooSmall, answered, items: [], next: undefined, scanned: null, themes: [] };
      const search = textSearchFor(v.survey.language);
      const versions = versionsOf(v.scope, question.id);
      const [page, themes] = await Promise.all([
        getTextAnswers(db, v.scope, {
          questionId: question.id,
          versions,
          config: search.config,
          q: o.q,
          after: o.after,
          limit: FEED_PAGE + 1,
          window: SEARCH_WINDOW,
        }),
        o.after ? [] : themesOf(v, question.id, versions, search.dictionary, 12),
      ]);
      const items = page.items.slice(0, FEED_PAGE);
      const last = items[items.length - 1];
      let next = page.items.length > FEED_PAGE && last ? { at: last.cursorAt, id: last.id } : undefined;
      // A search that read its whole window without filling the page continues from where it stopped.
      const windowFull = page.scanned && page.scanned.n >= SEARCH_WINDOW;
      if (!next && windowFull && page.scanned!.lastAt) next = { at: page.scanned!.lastAt, id: page.scanned!.lastId! };
      return { question, tooSmall, answered, items, next, scanned: windowFull ? page.scanned!.n : null, themes };
    },

    /** The responses table: one row per response, a column per question of the shown version. */
    async responses(v: View, after: { at: string; id: string } | undefined) {
      const { tooSmall } = await sized(v);
      if (tooSmall) return { tooSmall, rows: [], next: undefined };
      const rows = await getResponsesPage(db, v.scope, after, RESPONSES_PAGE + 1);
      const items = rows.slice(0, RESPONSES_PAGE);
      const last = items[items.length - 1];
      return {
        tooSmall,
        rows: items,
        next: rows.length > RESPONSES_PAGE && last ? { at: last.cursorAt, id: last.id } : undefined,
      };
    },

    /** Two segments side by side on every scale question: each estimate, the difference, and its verdict. */
    async compare(v: View, a: string, b: string) {
      const [sa, sb] = await Promise.all([withSegment(db, v.scope, a), withSegment(db, v.scope, b)]);
      [sa.cells, sb.cells] = await Promise.all([getPeopleDayCells(db, sa), getPeopleDayCells(db, sb)]);
      const [ta, tb] = await Promise.all([getQuestionTotals(db, sa), getQuestionTotals(db, sb)]);
      const size = (t: typeof ta) => Number(t.find((x) => x.questionId === '#responses')?.n ?? 0);
      const sectionsA = buildSections(v.scope.questions, ta);
      const sectionsB = buildSections(v.scope.questions, tb);
      const hideA = size(ta) < v.threshold;
      const hideB = size(tb) < v.threshold;
      const rows = sectionsA.flatMap((s, i) => {
        const other = sectionsB[i]!;
        if (s.kind !== 'scale' || other.kind !== 'scale') return [];
        return [
          {
            question: s.question,
            type: s.type,
            a: s.headline,
            b: other.headline,
            change: hideA || hideB ? null : compare(s.headline, other.headline),
          },
        ];
      });
      return { rows, sizes: { a: size(ta), b: size(tb) }, hidden: { a: hideA, b: hideB } };
    },

    /**
     * The weekly digest's part: every survey still asking that has answers, as its dashboard shows it by default
     * (everyone, all versions; the same estimates, comparison and words).
     */
    async digest(workspace: Workspace): Promise<DigestSurvey[]> {
      const out: DigestSurvey[] = [];
      for (const { id } of await getActiveSurveys(db, workspace.id)) {
        const v = await view(workspace, id, { tag: undefined, prop: undefined });
        const { totals, responses } = await sized(v);
        if (!responses) continue;
        const primary = primaryScale(v.scope.questions);
        const section = primary ? buildSections([primary], totals)[0] : undefined;
        const [c, openUnhappy, commentIds] = await Promise.all([
          primary ? change(v, primary) : null,
          getOpenUnhappy(db, workspace.id, id),
          getNewestComments(db, workspace.id, id, DIGEST_COMMENTS),
        ]);
        const type = section?.kind === 'scale' ? section.type : null;
        out.push({
          id,
          title: v.survey.title,
          responses,
          headline:
            primary && type && section?.kind === 'scale'
              ? {
                  scale: SCALE_NAMES[type],
                  question: primary.text,
                  name: present.HEADLINE[type],
                  value: present.value(section.headline, type),
                  interval: present.interval(section.headline, type),
                }
              : null,
          verdict:
            c && type
              ? {
                  kind: c.change?.verdict ?? 'none',
                  text: present.verdict(c.change, type),
                  periods: present.periods(c, type, v.threshold),
                }
              : null,
          openUnhappy,
          unhappyLabel: primary
            ? type === 'nps'
              ? 'detractors (0–6)'
              : `low scores (${bandLabel(primary, 'low')})`
            : null,
          commentIds,
        });
      }
      return out;
    },

    /** Each question's headline for a period (the API's metrics): counts and estimates, nothing drawn. */
    async summary(v: View) {
      const { totals, responses } = await sized(v);
      return { responses, sections: buildSections(v.scope.questions, totals) };
    },

    /** What a survey's export holds and the scope to stream (see export.ts). */
    async exportable(v: View) {
      const { tooSmall, responses } = await sized(v);
      return { tooSmall, responses };
    },
  };
}
export type InsightsService = ReturnType<typeof insightsService>;
