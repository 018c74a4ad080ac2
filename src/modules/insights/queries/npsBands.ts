import { NPS_PASSIVE_FROM, NPS_PROMOTER_FROM } from '../../surveys';

/** The NPS bands as SQL conditions on `score`, from the one definition in surveys (questions.ts). */
export const PROMOTER = `score >= ${NPS_PROMOTER_FROM}`;
export const PASSIVE = `score >= ${NPS_PASSIVE_FROM} AND score < ${NPS_PROMOTER_FROM}`;
export const DETRACTOR = `score < ${NPS_PASSIVE_FROM}`;
