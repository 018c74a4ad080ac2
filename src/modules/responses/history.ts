import type { Db, Tx } from '../../platform/db';
import { primaryScale, scaleRange, type Question } from '../surveys';

/** A survey past answers can go into: one whose current version has a scale (the score needs somewhere to go). */
export type HistoryTarget = { id: string; title: string; version: number; scale: Question; range: [number, number] };

/** One past answer, its contact already upserted. `at` is when it was given (ISO 8601). */
export type PastAnswer = { contactId: string; score: number; comment: string | null; at: string };

/**
 * Answers from another tool (a Delighted export), written as `responses` marked `imported_at`: the charts count
 * them (so the trend goes on), the inbox files them closed, and they raise no alert and no webhook (the triggers
 * of migration 20261204500000). The score goes to the version's first scale question and the comment to its
 * first long-text question (the dashboard's comment), as a respondent's would.
 */
export function responsesHistory(db: Db) {
  async function targets(workspaceId: string): Promise<HistoryTarget[]> {
    const rows = await db.query<{ id: string; title: string; version: number; questions: Question[] }>(
      `SELECT s.id, s.title, s.current_version AS version, v.questions
       FROM surveys s JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.current_version
       WHERE s.workspace_id = :workspaceId ORDER BY s.created_at DESC LIMIT 200`,
      { workspaceId },
    );
    return rows.flatMap((r) => {
      const scale = primaryScale(r.questions);
      return scale ? [{ id: r.id, title: r.title, version: r.version, scale, range: scaleRange(scale) }] : [];
    });
  }

  /** The version an answer to this survey is given on, with where its score and comment go. */
  async function currentVersion(workspaceId: string, surveyId: string, tx?: Tx) {
    const version = await db.one<{ version: number; questions: Question[] }>(
      `SELECT v.version, v.questions FROM surveys s JOIN survey_versions v ON v.survey_id = s.id AND v.version = s.current_version
       WHERE s.workspace_id = :workspaceId AND s.id = :surveyId`,
      { workspaceId, surveyId },
      tx,
    );
    const scale = version && primaryScale(version.questions);
    if (!version || !scale) throw new Error('This survey has no scale question.');
    return {
      version: version.version,
      scaleId: scale.id,
      commentId: version.questions.find((q) => q.type === 'long_text')?.id ?? null,
    };
  }

  // The answers of a row: the score under the scale's id, the comment under the first long-text question's.
  const ANSWERS = `jsonb_strip_nulls(jsonb_build_object(:scaleId::text, a.score)
             || CASE WHEN :commentId::text IS NULL OR coalesce(a.comment, '') = '' THEN '{}'::jsonb
                     ELSE jsonb_build_object(:commentId::text, a.comment) END)`;

  return {
    targets,
    target: async (workspaceId: string, surveyId: string) =>
      (await targets(workspaceId)).find((t) => t.id === surveyId),

    /**
     * Writes one batch in the import's transaction. An answer already imported (same survey, person and time)
     * is skipped: importing a file twice adds nothing. Returns the keys (`contactId@epoch ms`) it wrote.
     */
    async record(workspaceId: string, surveyId: string, answers: PastAnswer[], tx: Tx) {
      if (!answers.length) return new Set<string>();
      const version = await currentVersion(workspaceId, surveyId, tx);
      const written = await db.query<{ contactId: string; at: number }>(
        `INSERT INTO responses (workspace_id, survey_id, survey_version, contact_id, score, comment, answers,
           submitted_at, created_at, updated_at, completed_at, imported_at)
         SELECT :workspaceId, :surveyId, :version, a."contactId", a.score, nullif(a.comment, ''), ${ANSWERS},
           a.at, a.at, a.at, a.at, now()
         FROM jsonb_to_recordset(:answers::jsonb) AS a("contactId" uuid, score smallint, comment text, at timestamptz)
         ON CONFLICT (survey_id, contact_id, submitted_at) WHERE imported_at IS NOT NULL DO NOTHING
         RETURNING contact_id AS "contactId", (extract(epoch FROM submitted_at) * 1000)::float8 AS at`,
        { workspaceId, surveyId, ...version, answers: JSON.stringify(answers) },
        tx,
      );
      return new Set(written.map((w) => `${w.contactId}@${Math.round(Number(w.at))}`));
    },

    /**
     * One answer collected elsewhere and posted to us (Delighted's `POST /v1/survey_responses`). A live one is an
     * answer like a respondent's (its conversation opens, an unhappy one alerts, webhooks hear of it); `imported`
     * makes it history like a CSV row — and then a retry of the same post finds the answer it made.
     */
    async add(workspaceId: string, surveyId: string, a: PastAnswer, opts: { imported: boolean }) {
      const version = await currentVersion(workspaceId, surveyId);
      type Row = { id: string; submittedAt: Date; updatedAt: Date };
      const made = await db.one<Row>(
        `INSERT INTO responses (workspace_id, survey_id, survey_version, contact_id, score, comment, answers,
           submitted_at, created_at, updated_at, completed_at, imported_at)
         SELECT :workspaceId, :surveyId, :version, a."contactId", a.score, nullif(a.comment, ''), ${ANSWERS},
           a.at, now(), now(), a.at, CASE WHEN :imported THEN now() END
         FROM jsonb_to_record(:answer::jsonb) AS a("contactId" uuid, score smallint, comment text, at timestamptz)
         ${opts.imported ? 'ON CONFLICT (survey_id, contact_id, submitted_at) WHERE imported_at IS NOT NULL DO NOTHING' : ''}
         RETURNING id, submitted_at AS "submittedAt", updated_at AS "updatedAt"`,
        { workspaceId, surveyId, ...version, imported: opts.imported, answer: JSON.stringify(a) },
      );
      return (
        made ??
        (await db.one<Row>(
          `SELECT id, submitted_at AS "submittedAt", updated_at AS "updatedAt" FROM responses
           WHERE survey_id = :surveyId AND contact_id = :contactId AND submitted_at = :at AND imported_at IS NOT NULL`,
          { surveyId, contactId: a.contactId, at: a.at },
        ))!
      );
    },
  };
}
export type ResponsesHistory = ReturnType<typeof responsesHistory>;
