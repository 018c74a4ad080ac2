import type { Db } from '../../platform/db';
import { isDatabaseUnavailable } from '../../platform/dbErrors';
import { gone, notFound } from '../../platform/errors';
import { translator, type Locale, type Translate } from '../../platform/i18n';
import { hashToken, looksLikeToken, newToken, type Sealer } from '../../platform/tokens';
import { contactWrites } from '../contacts';
import { localize, primaryScale, type Localized } from '../surveys';
import { answerSchemaCache, parseAnswer } from './answer.schema';
import { clicksRepository } from './clicks.repository';
import {
  responsesRepository,
  type DeliveryLinkRow,
  type PublicLinkRow,
  type SurveyLinkRow,
} from './responses.repository';

/**
 * Scanner defence. Mail scanners open every link of a message within a second or two; a person taps one.
 * Three clicks from one delivery inside this window mark the delivery as scanned.
 */
export const BURST_WINDOW_MS = 2000;
export const BURST_CLICKS = 3;

/**
 * A link as its pages use it: the row, its token, and the language its pages speak — the contact's own when the
 * survey has it, else the survey's default (see surveys' translations.ts). `shown` is the survey in that
 * language; `surveyTitle` and `surveyIntro` are its heading and intro. `questions` stay the version's own: answers
 * are checked and stored against them.
 */
type Opened<Row> = Row & { token: string; locale: Locale; t: Translate; shown: Localized };
export type OpenDeliveryLink = Opened<DeliveryLinkRow>;
export type OpenPublicLink = Opened<PublicLinkRow>;
/** Either: what every respondent page draws from. */
export type OpenSurveyLink = Opened<SurveyLinkRow>;

// One answer for an unknown, malformed or tampered token, and one for every closed survey: the words and
// status never tell a guesser anything about which tokens exist.
const linkNotFound = () => notFound('survey link');
const surveyClosed = () => gone('This survey has closed.');

export function responsesService(db: Db, sealer: Sealer) {
  const repo = responsesRepository(db);
  const clicks = clicksRepository(db);
  const contacts = contactWrites(db);
  const schemas = answerSchemaCache();

  const recent = recentLinks();

  const opened = <Row extends SurveyLinkRow>(row: Row, token: string, contactLocale: string | null): Opened<Row> => {
    const shown = localize(
      {
        title: row.surveyTitle,
        subject: row.surveySubject,
        intro: row.surveyIntro,
        language: row.surveyLanguage,
        translations: row.surveyTranslations,
        questions: row.questions,
      },
      contactLocale,
    );
    const locale = shown.language;
    // Object.assign, not a spread: on the row as pg parses it, 1.6 against 7.4 µs (every respondent request).
    return Object.assign({}, row, {
      surveyTitle: shown.subject,
      surveyIntro: shown.intro,
      token,
      locale,
      t: translator(locale),
      shown,
    });
  };

  async function find(token: string) {
    if (!looksLikeToken(token)) return undefined;
    const hash = hashToken(token);
    const row = await recent.through(hash, () => repo.findByDeliveryToken(hash));
    return row && opened(row, token, row.contactLocale);
  }

  /** The link, if it exists and its survey still takes answers. */
  async function open(token: string): Promise<OpenDeliveryLink> {
    const link = await find(token);
    if (!link) throw linkNotFound();
    if (link.closed) throw surveyClosed();
    return link;
  }

  async function openPublic(token: string): Promise<OpenPublicLink> {
    const hash = looksLikeToken(token) ? hashToken(token) : undefined;
    const row = hash && (await recent.through(hash, () => repo.findByPublicToken(hash)));
    if (!row) throw linkNotFound();
    if (row.closed) throw surveyClosed();
    return opened(row, token, null);
  }

  const commentIdsOf = (link: SurveyLinkRow) => link.questions.filter((q) => q.type === 'long_text').map((q) => q.id);

  return {
    open,
    openPublic,

    /**
     * A score link was opened. The click is recorded apart from responses (never an answer by itself); a
     * burst of clicks marks the delivery as scanned. Says whether the page may confirm it by itself.
     */
    async click(link: OpenDeliveryLink, score: number): Promise<{ clickId: string; autoConfirm: boolean }> {
      const { id, recent } = await clicks.record(link.workspaceId, link.deliveryId, score, BURST_WINDOW_MS);
      if (recent >= BURST_CLICKS) {
        await clicks.markScanned(link.deliveryId, 'burst', BURST_WINDOW_MS);
        return { clickId: id, autoConfirm: false };
      }
      return { clickId: id, autoConfirm: !link.scanned };
    },

    /** The hidden link no person can see or reach was followed: only a machine does that. */
    async honeypot(token: string) {
      const link = await find(token);
      if (link) await clicks.markScanned(link.deliveryId, 'honeypot', BURST_WINDOW_MS);
    },

    /**
     * Saves the answer for this link (creating or updating its one response). A partial save keeps what the
     * respondent has given so far; the final "Send" also checks required questions. An automatic
     * confirmation (the page confirming a clicked score by itself) is refused for a scanned delivery or a
     * click that was part of a burst, and nothing is stored.
     */
    async answer(
      link: OpenDeliveryLink,
      body: Record<string, unknown>,
      opts: { final: boolean; auto: boolean; clickId?: string },
    ) {
      const parsed = parseAnswer(link.questions, body, { final: opts.final, t: link.t, locale: link.locale, schemas });
      const deliveryId = link.deliveryId;
      if (opts.auto) {
        const refusal = await autoConfirmRefusal(deliveryId, link.scanned, opts.clickId);
        if (refusal) {
          if (opts.clickId) await clicks.settle(deliveryId, opts.clickId, { status: 'discarded', reason: refusal });
          return { saved: false as const, reason: refusal };
        }
      }
      await repo.saveForDelivery(link, {
        ...parsed,
        commentIds: commentIdsOf(link),
        final: opts.final,
        locale: link.locale,
      });
      if (opts.clickId) await clicks.settle(deliveryId, opts.clickId, { status: 'confirmed' });
      return { saved: true as const, unasked: parsed.unasked };
    },

    /** A public-link submission: one new response, checked like a final "Send". */
    async answerPublic(link: OpenPublicLink, body: Record<string, unknown>) {
      const parsed = parseAnswer(link.questions, body, { final: true, t: link.t, locale: link.locale, schemas });
      await repo.insertPublic(link, { ...parsed, commentIds: commentIdsOf(link), locale: link.locale });
    },

    /** Unsubscribing keeps working after a survey closes: it is about the person, not the survey. */
    async unsubscribe(token: string) {
      const link = await find(token);
      if (!link) throw linkNotFound();
      await contacts.unsubscribe(link.contactId);
      return link;
    },

    /** For the unsubscribe confirm page, which also outlives the survey. */
    async findForUnsubscribe(token: string) {
      const link = await find(token);
      if (!link) throw linkNotFound();
      return link;
    },

    /**
     * The survey's public link token, created on first use. Stored as its hash (for lookup) and sealed with
     * the app key (to show the team the same link again).
     */
    async publicLinkToken(workspaceId: string, surveyId: string): Promise<string> {
      const token = newToken();
      const row = await db.one<{ sealed: string }>(
        `INSERT INTO survey_public_links (survey_id, workspace_id, token_hash, token_sealed)
         SELECT s.id, s.workspace_id, :hash, :sealed FROM surveys s WHERE s.id = :surveyId AND s.workspace_id = :workspaceId
         ON CONFLICT (survey_id) DO UPDATE SET survey_id = EXCLUDED.survey_id
         RETURNING token_sealed AS sealed`,
        { workspaceId, surveyId, hash: hashToken(token), sealed: sealer.seal(token) },
      );
      if (!row) throw notFound('survey');
      return sealer.open(row.sealed);
    },

    primaryScaleOf: (link: SurveyLinkRow) => primaryScale(link.questions),
  };

  async function autoConfirmRefusal(deliveryId: string, scanned: boolean, clickId?: string) {
    if (scanned) return 'scanned_delivery' as const;
    if (!clickId || !/^\d{1,18}$/.test(clickId)) return 'burst' as const;
    const { status, recent } = await clicks.recentAround(deliveryId, clickId, BURST_WINDOW_MS);
    if (status !== 'pending') return status === null ? ('burst' as const) : ('scanned_delivery' as const);
    if (recent >= BURST_CLICKS) {
      await clicks.markScanned(deliveryId, 'burst', BURST_WINDOW_MS);
      return 'burst' as const;
    }
    return undefined;
  }
}
export type ResponsesService = ReturnType<typeof responsesService>;

/**
 * The links this process opened lately, kept only to draw a respondent's page again when the database goes
 * away between opening the link and sending the answer: their answer comes back in the page they filled, in
 * their language, with Send, instead of a bare error. Never used while the database answers, and nothing is
 * ever saved from it. Bounded; the oldest go first.
 */
function recentLinks(max = 2000) {
  const rows = new Map<string, unknown>();
  return {
    async through<Row>(hash: Buffer, load: () => Promise<Row | undefined>): Promise<Row | undefined> {
      const key = hash.toString('base64');
      try {
        const row = await load();
        rows.delete(key);
        if (row) {
          if (rows.size >= max) rows.delete(rows.keys().next().value!);
          rows.set(key, row);
        }
        return row;
      } catch (err) {
        const known = isDatabaseUnavailable(err) ? (rows.get(key) as Row | undefined) : undefined;
        if (!known) throw err;
        // Shown only: the save that follows needs the database, and fails with a 503 that keeps the answer.
        return known;
      }
    },
  };
}
