import crypto from 'node:crypto';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import type { Db, Tx } from '../../platform/db';
import { conflict, invalid } from '../../platform/errors';
import { toPgArray } from '../../platform/pgArray';
import type { Sealer } from '../../platform/tokens';
import { recordForPerson, type Actor } from '../audit';
import type { User } from './accounts.repository';
import { verifyPassword } from './passwords';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
const ISSUER = 'Rapport';
export const RECOVERY_CODE_COUNT = 10;
/** 10 characters of 31 (no 0/o, 1/l/i): ~49.5 bits each, typed from paper without confusion. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

const totpOf = (secretBase32: string, label: string) =>
  new OTPAuth.TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });

/**
 * The 30-second step a code was made for, when it is one of this secret's codes now (one step of drift either
 * way is accepted: a phone's clock a little off, a code typed as it turned over).
 */
const stepOf = (secretBase32: string, code: string, at: number): number | null => {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secretBase32, '-').validate({ token: code, timestamp: at, window: 1 });
  return delta === null ? null : Math.floor(at / 1000 / PERIOD) + delta;
};

const hashCode = (code: string) => crypto.createHash('sha256').update(`recovery:${code}`, 'utf8').digest();

const newRecoveryCode = () =>
  Array.from(crypto.randomBytes(10), (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
/** As shown: two groups of five. What is typed back is read without dashes or spaces (codeSchema). */
const showCode = (code: string) => `${code.slice(0, 5)}-${code.slice(5)}`;

/**
 * Two-factor sign-in with an authenticator app (TOTP) and single-use recovery codes. The secret is sealed with
 * the app key; a code is accepted once (the step it was made for must be later than the last one accepted);
 * every recovery code is spent by the statement that checks it. `at` is the clock (ms), from the edge.
 */
export function twoFactorService(db: Db, deps: { sealer: Sealer }) {
  const { sealer } = deps;

  const state = (userId: string, tx?: Tx) =>
    db.one<{ email: string; passwordHash: string; secret: string | null; pending: string | null }>(
      `SELECT email, password_hash AS "passwordHash", totp_secret_sealed AS secret, totp_pending_sealed AS pending
       FROM users WHERE id = :userId${tx ? ' FOR UPDATE' : ''}`,
      { userId },
      tx,
    );

  /** Spends a current code: true once per step, false when wrong or already used. */
  const spendTotp = async (userId: string, sealed: string, code: string, at: number, tx?: Tx) => {
    const step = stepOf(sealer.open(sealed), code, at);
    if (step === null) return false;
    // Only forward: the same code (or an older one) a second time changes no row.
    const spent = await db.query(
      `UPDATE users SET totp_last_step = :step
       WHERE id = :userId AND totp_secret_sealed IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < :step)
       RETURNING id`,
      { userId, step },
      tx,
    );
    return spent.length === 1;
  };

  const spendRecovery = async (userId: string, code: string, tx?: Tx) =>
    (
      await db.query(
        `UPDATE recovery_codes SET used_at = now() WHERE user_id = :userId AND code_hash = :hash AND used_at IS NULL
         RETURNING user_id`,
        { userId, hash: hashCode(code) },
        tx,
      )
    ).length === 1;

  /** A fresh set of recovery codes, the old ones gone; the plain codes are returned to be shown once. */
  const replaceRecoveryCodes = async (userId: string, tx: Tx) => {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await db.execute(`DELETE FROM recovery_codes WHERE user_id = :userId`, { userId }, tx);
    await db.execute(
      `INSERT INTO recovery_codes (user_id, code_hash)
       SELECT :userId, decode(h, 'hex') FROM unnest(CAST(:hashes AS text[])) h`,
      { userId, hashes: toPgArray(codes.map((c) => hashCode(c).toString('hex'))) },
      tx,
    );
    return codes.map(showCode);
  };

  return {
    /**
     * The enrol page: a secret not yet confirmed (made on first view, the same one on a reload, so a person who
     * scanned it and reloads still has the right one), as text and as a QR code of its otpauth:// URI.
     */
    async enrolment(user: User) {
      const row = (await state(user.id))!;
      if (row.secret) return undefined;
      let pending = row.pending;
      if (!pending) {
        const fresh = sealer.seal(new OTPAuth.Secret({ size: 20 }).base32);
        // Two tabs at once keep whichever was stored first: both then show the same secret.
        await db.execute(
          `UPDATE users SET totp_pending_sealed = :fresh WHERE id = :id AND totp_pending_sealed IS NULL`,
          { id: user.id, fresh },
        );
        pending = (await state(user.id))!.pending!;
      }
      const secret = sealer.open(pending);
      const uri = totpOf(secret, row.email).toString();
      return {
        secret: secret.replace(/(.{4})(?=.)/g, '$1 '),
        uri,
        qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      };
    },

    /** The code from the app proves it holds the secret: two-factor is on, and the recovery codes are made. */
    async confirm(user: User, code: string, from: Actor, at = Date.now()): Promise<string[]> {
      return db.transaction(async (tx) => {
        const row = (await state(user.id, tx))!;
        if (row.secret) throw conflict('Two-factor sign-in is already on for your account.');
        if (!row.pending) throw conflict('Start again: open the two-factor page and scan the new code.');
        const step = stepOf(sealer.open(row.pending), code, at);
        if (step === null)
          throw invalid('Two-factor sign-in is not on yet: the code did not match.', {
            code: 'That code does not match. Check the app shows Rapport and enter its current 6 digits.',
          });
        await db.execute(
          `UPDATE users SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL,
             totp_enabled_at = now(), totp_last_step = :step WHERE id = :id`,
          { id: user.id, step },
          tx,
        );
        const codes = await replaceRecoveryCodes(user.id, tx);
        await recordForPerson(db, from, user.id, { action: 'two_factor.enabled' }, tx);
        return codes;
      });
    },

    /** Off again, proven by a current code, a recovery code or the password. */
    async disable(user: User, input: { code: string; password: string }, from: Actor, at = Date.now()) {
      await db.transaction(async (tx) => {
        const row = (await state(user.id, tx))!;
        if (!row.secret) throw conflict('Two-factor sign-in is already off for your account.');
        const proven = input.code
          ? (await spendTotp(user.id, row.secret, input.code, at, tx)) || (await spendRecovery(user.id, input.code, tx))
          : await verifyPassword(row.passwordHash, input.password);
        if (!proven)
          throw invalid('Nothing was changed: that did not prove it is you.', {
            [input.code ? 'disableCode' : 'password']: input.code
              ? 'That code does not match, or was used already.'
              : 'That is not your password.',
          });
        await db.execute(
          `UPDATE users SET totp_secret_sealed = NULL, totp_pending_sealed = NULL, totp_enabled_at = NULL,
             totp_last_step = NULL WHERE id = :id`,
          { id: user.id },
          tx,
        );
        await db.execute(`DELETE FROM recovery_codes WHERE user_id = :id`, { id: user.id }, tx);
        await recordForPerson(db, from, user.id, { action: 'two_factor.disabled' }, tx);
      });
    },

    /** New recovery codes (the old ones stop working), proven by a current code. */
    async newRecoveryCodes(user: User, code: string, from: Actor, at = Date.now()) {
      return db.transaction(async (tx) => {
        const row = (await state(user.id, tx))!;
        if (!row.secret) throw conflict('Turn on two-factor sign-in first.');
        if (!(await spendTotp(user.id, row.secret, code, at, tx)))
          throw invalid('Nothing was changed.', { code: 'That code does not match, or was used already.' });
        const codes = await replaceRecoveryCodes(user.id, tx);
        await recordForPerson(db, from, user.id, { action: 'two_factor.recovery_codes_replaced' }, tx);
        return codes;
      });
    },

    /** The second step of sign-in: how the person proved it (or null: wrong, or already used). */
    async verify(userId: string, code: string, at = Date.now()): Promise<'totp' | 'recovery' | null> {
      const row = await state(userId);
      if (!row?.secret) return null;
      if (await spendTotp(userId, row.secret, code, at)) return 'totp';
      if (/^[a-z2-9]{10}$/.test(code) && (await spendRecovery(userId, code))) return 'recovery';
      return null;
    },

    isEnabled: async (userId: string) => !!(await state(userId))?.secret,

    recoveryCodesLeft: async (userId: string) =>
      (
        await db.one<{ n: number }>(
          `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = :userId AND used_at IS NULL`,
          { userId },
        )
      )?.n ?? 0,
  };
}
export type TwoFactorService = ReturnType<typeof twoFactorService>;
