import { z } from 'zod';
import { emailAddress } from '../../platform/emailAddress';
import { textField } from '../../platform/forms';
import { isTimeZone } from '../../platform/timeZones';
import { ROLES } from './policy';

const text = (label: string, max: number) =>
  z
    .string({ error: `${label} is required.` })
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`);

export const email = z
  .string({ error: 'Email is required.' })
  .pipe(emailAddress('Enter an email address like name@example.com.'));

const password = z
  .string({ error: 'Password is required.' })
  .min(10, 'Use at least 10 characters for the password.')
  .max(200, 'Use at most 200 characters for the password.');

export const setupSchema = z.object({
  workspaceName: text('Workspace name', 120),
  senderName: text('Sender name', 120),
  postalAddress: text('Postal address', 300),
  name: text('Your name', 120),
  email,
  password,
});
export type SetupInput = z.infer<typeof setupSchema>;

/** Another workspace, made by someone already signed in: they own it. */
export const newWorkspaceSchema = z.object({
  workspaceName: text('Workspace name', 120),
  senderName: text('Sender name', 120),
  postalAddress: text('Postal address', 300),
});
export type NewWorkspaceInput = z.infer<typeof newWorkspaceSchema>;

export const switchSchema = z.object({ workspaceId: z.uuid({ error: 'Choose one of your workspaces.' }) });

export const loginSchema = z.object({
  email,
  password: z.string({ error: 'Password is required.' }).min(1, 'Password is required.').max(200),
  /** Where to go after signing in; checked to be one of our own paths before use. */
  next: z.unknown().optional(),
});

const role = z.enum(ROLES, { error: 'Choose owner, admin, member or viewer.' });

export const invitationSchema = z.object({ email, role });
export type InvitationInput = z.infer<typeof invitationSchema>;

/** Accepting an invitation: a new account (name and password), or the existing one's password. */
export const acceptNewSchema = z.object({ name: text('Your name', 120), password });
export const acceptExistingSchema = z.object({
  password: z.string({ error: 'Password is required.' }).min(1, 'Enter your Rapport password.').max(200),
});
export type AcceptInput = { name?: string; password: string };

export const changePasswordSchema = z.object({
  current: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.').max(200),
  password,
});
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

/** A six-digit code from an authenticator app, or a recovery code (letters and digits, dashes and spaces ignored). */
export const codeSchema = z.object({
  code: z
    .string({ error: 'Enter the code from your authenticator app.' })
    .transform((v) => v.replace(/[\s-]/g, '').toLowerCase())
    .pipe(
      z
        .string()
        .min(1, 'Enter the code from your authenticator app.')
        .max(20, 'That is not a code: enter the 6 digits your app shows, or a recovery code.'),
    ),
});

/**
 * Turning two-factor off: a current code (or a recovery code) or the password, whichever the person has to hand.
 * Its own field names: the page's other form (new recovery codes) has a `code` field too.
 */
export const disableTwoFactorSchema = z
  .object({
    disableCode: z
      .string()
      .optional()
      .transform((v) => (v ?? '').replace(/[\s-]/g, '').toLowerCase().slice(0, 20)),
    password: z.string().max(200).optional().default(''),
  })
  .refine((v) => v.disableCode !== '' || v.password !== '', {
    message: 'Enter a code from your authenticator app, or your password.',
    path: ['disableCode'],
  })
  .transform((v) => ({ code: v.disableCode, password: v.password }));
export type DisableTwoFactorInput = z.infer<typeof disableTwoFactorSchema>;

export const forgotSchema = z.object({ email });
export const resetSchema = z.object({ password });

export const workspaceSchema = z.object({
  name: text('Workspace name', 120),
  senderName: text('Sender name', 120),
  postalAddress: text('Postal address', 300),
  throttleDays: z.coerce
    .number({ error: 'Enter a number of days.' })
    .int('Enter a whole number of days.')
    .min(0, 'Use 0 (no throttle) or more days.')
    .max(365, 'Use at most 365 days.'),
  // Left out (an older form), it keeps its value.
  anonymityThreshold: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'Enter a number of answers.' })
      .int('Enter a whole number of answers.')
      .min(1, 'Use 1 (show every group) or more answers.')
      .max(1000, 'Use at most 1,000 answers.')
      .optional(),
  ),
  // Left out (an older form), it keeps its value. Whole hours, a week and a half at most.
  responseTargetHours: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'Enter a number of hours.' })
      .int('Enter a whole number of hours.')
      .min(1, 'Use at least 1 hour.')
      .max(720, 'Use at most 720 hours (30 days).')
      .optional(),
  ),
  // A checkbox after a hidden "off" of the same name: the last value says; absent (an older form) keeps it.
  allowFrequentSchedules: z
    .unknown()
    .optional()
    .transform((v) => (v === undefined ? undefined : textField.parse(v) === 'on')),
  requireTwoFactor: z
    .unknown()
    .optional()
    .transform((v) => (v === undefined ? undefined : textField.parse(v) === 'on')),
  timeZone: z
    .unknown()
    .optional()
    .transform((v) => (v === undefined ? undefined : textField.parse(v).trim()))
    .refine((v) => v === undefined || isTimeZone(v), 'Choose a time zone from the list, such as Europe/Paris.'),
});
export type WorkspaceInput = z.infer<typeof workspaceSchema>;

/** A checkbox: present ("on") when ticked, absent when not. */
export const alertsSchema = z.object({
  alertsEnabled: z
    .literal('on')
    .optional()
    .transform((v) => v === 'on'),
});
export type AlertsInput = z.infer<typeof alertsSchema>;

export const digestSchema = z.object({
  digestEnabled: z
    .literal('on')
    .optional()
    .transform((v) => v === 'on'),
});
export type DigestInput = z.infer<typeof digestSchema>;

export const roundRobinSchema = z.object({
  roundRobin: z
    .literal('on')
    .optional()
    .transform((v) => v === 'on'),
});
export type RoundRobinInput = z.infer<typeof roundRobinSchema>;
export const roleSchema = z.object({ role });
export type RoleInput = z.infer<typeof roleSchema>;

export const removalSchema = z.object({
  successorId: z.uuid({ error: 'Choose who takes over their conversations and contacts.' }),
});
export type RemovalInput = z.infer<typeof removalSchema>;
