import { z } from 'zod';

const text = (label: string, max: number) =>
  z.string({ error: `${label} is required.` }).trim().min(1, `${label} is required.`).max(max, `${label} must be at most ${max} characters.`);

export const email = z.string({ error: 'Email is required.' }).trim().toLowerCase().pipe(z.email('Enter an email address like name@example.com.')).pipe(z.string().max(254));

export const setupSchema = z.object({
  workspaceName: text('Workspace name', 120),
  senderName: text('Sender name', 120),
  postalAddress: text('Postal address', 300),
  name: text('Your name', 120),
  email,
  password: z.string({ error: 'Password is required.' }).min(10, 'Use at least 10 characters for the password.').max(200, 'Use at most 200 characters for the password.'),
});
export type SetupInput = z.infer<typeof setupSchema>;

export const loginSchema = z.object({
  email,
  password: z.string({ error: 'Password is required.' }).min(1, 'Password is required.').max(200),
});
