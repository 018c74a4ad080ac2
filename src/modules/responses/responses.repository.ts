import type { Db } from '../../platform/db';
import type { Question, SurveyCopies } from '../surveys';
import type { AnswerValue, Answers } from './answer.schema';

// The dashboard's comment: the first non-empty long-text answer, in question order.
const commentOf = (answers: string, commentIds: string) =>
  `(SELECT ${answers} ->> k.id FROM jsonb_array_elements_text(${commentIds}::jsonb) WITH ORDINALITY AS k(id, n)
    WHERE coalesce(${answers} ->> k.id, '') <> '' ORDER BY k.n LIMIT 1)`;

/** What any response link opens: resolved from the token's hash, never from anything else in the URL. */
export type SurveyLinkRow = {
  workspaceId: string;
  surveyId: string;
  surveyVersion: number;
  surveyTitle: string;
  surveyIntro: string;
  /** The invitation's subject in the default language ('' = the title), and subject/intro in the others. */
  surveySubject: string;
  surveyTranslations: SurveyCopies;
  surveyLanguage: string;
  closed: boolean;
  questions: Question[];
  senderName: string;
  workspaceName: string;
  thankYouUrl: string | null;
  /** The workspace's brand colour (#rrggbb or null) and logo (its SHA-256 or null). */
  brandColor: string | null;
  logoSha256: string | null;
};

/** A delivery's link: one contact's invitation, holding their one response (if they answered). */
export type DeliveryLinkRow = SurveyLinkRow & {
  deliveryId: string;
  contactId: string;
  contactLocale: string | null;
  answers: Answers | null;
  completed: boolean;
  scanned: boolean;
};

/** A survey's public link: nobody in particular, so each submission is a new response. */
export type PublicLinkRow = SurveyLinkRow;

// The person a respondent hears from: the contact's owner, else the survey's sender, else the workspace's.
const SURVEY_COLUMNS = `s.id AS "surveyId", s.title AS "surveyTitle", s.intro AS "surveyIntro", s.language AS "surveyLanguage",
  s.subject AS "surveySubject", s.translations AS "surveyTranslations",
  (s.status <> 'active' OR coalesce(s.closes_at <= now(), false)) AS closed, s.thank_you_url AS "thankYouUrl",
  v.questions, ws.name AS "workspaceName", ws.brand_color AS "brandColor", ws.logo_sha256 AS "logoSha256"`;

// Every respondent request runs this, so it is a prepared statement (see Db.prepared), and its row comes as one
// json value: pg then parses one column (JSON.parse, native) instead of describing and converting 22, which
// measured 37 against 48–63 µs of the app's CPU per lookup (10 at a time, in bench). The values are the same
// (uuids and text as strings, numbers, booleans, jsonb as objects), under the same names.
const LINK_BY_DELIVERY_TOKEN = `SELECT json_build_object(
    'deliveryId', d.id, 'workspaceId', d.workspace_id, 'contactId', d.contact_id, 'contactLocale', c.locale,
    'surveyVersion', w.survey_version, 'surveyId', s.id, 'surveyTitle', s.title, 'surveyIntro', s.intro,
    'surveyLanguage', s.language, 'surveySubject', s.subject, 'surveyTranslations', s.translations,
    'closed', (s.status <> 'active' OR coalesce(s.closes_at <= now(), false)), 'thankYouUrl', s.thank_you_url,
    'questions', v.questions, 'workspaceName', ws.name, 'brandColor', ws.brand_color, 'logoSha256', ws.logo_sha256,
    'senderName', coalesce(owner.name, sender.name, ws.sender_name),
    'answers', r.answers, 'completed', r.completed_at IS NOT NULL, 'scanned', sd.delivery_id IS NOT NULL) AS link
  FROM deliveries d
  JOIN contacts c ON c.id = d.contact_id
  JOIN waves w ON w.id = d.wave_id
  JOIN surveys s ON s.id = w.survey_id
  JOIN survey_versions v ON v.survey_id = w.survey_id AND v.version = w.survey_version
  JOIN workspaces ws ON ws.id = d.workspace_id
  LEFT JOIN users owner ON owner.id = c.owner_user_id
  LEFT JOIN users sender ON sender.id = s.sender_user_id
  LEFT JOIN responses r ON r.delivery_id = d.id
  LEFT JOIN scanned_deliveries sd ON sd.delivery_id = d.id
  WHERE d.token_hash = $1`;

/**
 * One response per delivery, the latest answer wins: the row lock of ON CONFLICT serialises racing POSTs,
 * and each merges into what is stored at that moment (partial saves never erase each other). Prepared, as
 * every answer and partial save runs it.
 */
const MERGED = `(jsonb_strip_nulls(coalesce(responses.answers, '{}') || $8::jsonb) - ARRAY(SELECT jsonb_array_elements_text($9::jsonb)))`;
const SAVE_FOR_DELIVERY = `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers, completed_at, locale)
  SELECT $1::uuid, $2::uuid, $3::integer, $4::uuid, $5::uuid, $6::smallint, ${commentOf('a', '$7')}, a, CASE WHEN $10::boolean THEN now() END, $11::text
  FROM (SELECT jsonb_strip_nulls($8::jsonb) AS a) x
  ON CONFLICT (delivery_id) DO UPDATE SET
    answers = ${MERGED}, comment = ${commentOf(MERGED, '$7')}, score = EXCLUDED.score,
    completed_at = coalesce(EXCLUDED.completed_at, responses.completed_at), locale = EXCLUDED.locale, updated_at = now()`;

export const responsesRepository = (db: Db) => ({
  findByDeliveryToken: async (tokenHash: Buffer) =>
    (await db.prepared<{ link: DeliveryLinkRow }>('respond-link-json', LINK_BY_DELIVERY_TOKEN, [tokenHash]))[0]?.link,

  findByPublicToken: (tokenHash: Buffer) =>
    db.one<PublicLinkRow>(
      `SELECT s.workspace_id AS "workspaceId", s.current_version AS "surveyVersion", ${SURVEY_COLUMNS},
         coalesce(sender.name, ws.sender_name) AS "senderName"
       FROM survey_public_links p
       JOIN surveys s ON s.id = p.survey_id AND s.public_link_enabled
       JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.current_version
       JOIN workspaces ws ON ws.id = s.workspace_id
       LEFT JOIN users sender ON sender.id = s.sender_user_id
       WHERE p.token_hash = :tokenHash`,
      { tokenHash },
    ),

  saveForDelivery: (
    link: DeliveryLinkRow,
    a: {
      patch: Record<string, AnswerValue | null>;
      drop: string[];
      score: number | null;
      commentIds: string[];
      final: boolean;
      locale: string;
    },
  ) =>
    db.prepared('respond-save', SAVE_FOR_DELIVERY, [
      link.workspaceId,
      link.surveyId,
      link.surveyVersion,
      link.deliveryId,
      link.contactId,
      a.score,
      JSON.stringify(a.commentIds),
      JSON.stringify(a.patch),
      JSON.stringify(a.drop),
      a.final,
      a.locale,
    ]),

  /** A public-link answer: not tied to anyone, so each submission is a response of its own. */
  insertPublic: (
    link: PublicLinkRow,
    a: { patch: Record<string, AnswerValue | null>; score: number | null; commentIds: string[]; locale: string },
  ) =>
    db.execute(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, score, comment, answers, completed_at, locale)
       SELECT :workspaceId, :surveyId, :surveyVersion, :score, ${commentOf('a', ':commentIds')}, a, now(), :locale
       FROM (SELECT jsonb_strip_nulls(:patch::jsonb) AS a) x`,
      {
        workspaceId: link.workspaceId,
        surveyId: link.surveyId,
        surveyVersion: link.surveyVersion,
        score: a.score,
        commentIds: JSON.stringify(a.commentIds),
        patch: JSON.stringify(a.patch),
        locale: a.locale,
      },
    ),
});
export type ResponsesRepository = ReturnType<typeof responsesRepository>;
