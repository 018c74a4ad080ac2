import type { Db } from '../../platform/db';
import { gone, notFound } from '../../platform/errors';
import { hashToken, looksLikeToken } from '../../platform/tokens';
import { parse } from '../../platform/validation';
import { primaryScale } from '../surveys';
import { answerSchema, readForm } from './answer.schema';
import { responsesRepository, type Invitation } from './responses.repository';

// Same words for an unknown and a tampered token: a guess learns nothing about which tokens exist.
const linkNotFound = () => notFound('survey link');

export function responsesService(db: Db) {
  const repo = responsesRepository(db);

  async function open(token: string): Promise<Invitation> {
    if (!looksLikeToken(token)) throw linkNotFound();
    const inv = await repo.findInvitation(hashToken(token));
    if (!inv) throw linkNotFound();
    if (inv.surveyStatus !== 'active') {
      throw gone(`This survey from ${inv.workspaceName} has closed. Thank you for wanting to answer — you can simply reply to the email instead.`);
    }
    return inv;
  }

  return {
    open,

    /** Records (or replaces) the answer for this link. Only a POST reaches here: a GET never answers. */
    async answer(token: string, body: Record<string, unknown>) {
      const inv = await open(token);
      const answers = parse(answerSchema(inv.questions), readForm(inv.questions, body), 'Please check your answer.');
      const scaleQ = primaryScale(inv.questions);
      const textQ = inv.questions.find((q) => q.type === 'long_text');
      await repo.upsert(inv, {
        score: scaleQ ? ((answers[scaleQ.id] as number | undefined) ?? null) : null,
        comment: textQ ? ((answers[textQ.id] as string | undefined) || null) : null,
        answers,
      });
      return inv;
    },

    async unsubscribe(token: string) {
      const inv = await open(token).catch((err) => {
        // Unsubscribing must keep working after a survey closes.
        if (err.status === 410) return repo.findInvitation(hashToken(token));
        throw err;
      });
      if (!inv) throw linkNotFound();
      await repo.unsubscribe(inv.contactId);
      return inv;
    },
  };
}
export type ResponsesService = ReturnType<typeof responsesService>;
