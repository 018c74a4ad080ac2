import { z } from 'zod';

/**
 * An email address as people have them, internationalised ones included (RFC 6531: `josé@example.com`,
 * `用户@例子.广告`): zod's default pattern with Unicode letters, marks and digits allowed in the local part
 * and the domain labels. Sent with SMTPUTF8, which nodemailer asks for when the relay offers it (the built-in
 * mailbox does; a relay that does not bounces the message, recorded like any bounce).
 */
const PATTERN =
  /^(?:[\p{L}\p{M}\p{N}_'+-]+\.)*[\p{L}\p{M}\p{N}_'+-]*[\p{L}\p{M}\p{N}_+-]@(?:[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}-]*\.)+[\p{L}\p{M}]{2,}$/u;

/** Trimmed, lower-cased and in Unicode NFC (a decomposed "é" is the same address as a composed one). */
export const emailAddress = (message: string) =>
  z
    .string()
    .trim()
    .transform((v) => v.normalize('NFC').toLowerCase())
    .pipe(z.string().max(254, 'Email addresses are at most 254 characters.').regex(PATTERN, message));
