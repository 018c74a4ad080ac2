import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Rapport reads, parsed once at start-up. A bad value stops the process with a message
 * naming the key, instead of failing later in the middle of a request.
 */
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  EMBEDDED_PG_DIR: z.string().min(1).default('./.rapport/pg'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.email().default('pulse@rapport.localhost'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  NODE_ENV: z.string().default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: boolean.default(false),
  WORKER_ENABLED: boolean.default(true),
  SCHEDULER_ENABLED: boolean.default(true),
  CATCH_UP_GRACE_HOURS: z.coerce.number().min(0).max(168).default(6),
  SEND_RATE_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
  DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(30).max(3600).default(120),
  UNSUBSCRIBE_MAILTO: z.email().optional(),
  RESPOND_RATE_LIMIT: z.coerce.number().int().min(1).default(300),
  PUBLIC_SUBMIT_LIMIT: z.coerce.number().int().min(1).default(20),
  IMPORT_MAX_MB: z.coerce.number().int().min(1).max(1024).default(50),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export type Config = {
  /** Compiled templates are cached except in development (`npm run dev`). */
  viewCache?: boolean;
  port: number;
  host?: string;
  publicUrl: string;
  databaseUrl?: string;
  embeddedPg: { dir: string; port: number };
  smtpUrl?: string;
  mailFrom: string;
  secretKey?: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  trustProxy: boolean;
  workerEnabled: boolean;
  schedulerEnabled: boolean;
  catchUpGraceHours: number;
  sendRatePerMinute: number;
  deliveryLeaseSeconds: number;
  unsubscribeMailto: string;
  /** Requests per minute per IP on /r/* (per instance). */
  respondRateLimit: number;
  /** Public-link submissions per IP per 10 minutes (shared by all instances). */
  publicSubmitLimit: number;
  /** Largest CSV a contact import accepts. */
  importMaxBytes: number;
  /** /metrics is off unless a token (Bearer, on PORT) or a port of its own is set. */
  metrics: { token?: string; port?: number };
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", the way shells and .env files usually intend it.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    embeddedPg: { dir: path.resolve(e.EMBEDDED_PG_DIR), port: e.EMBEDDED_PG_PORT },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    secretKey: e.SECRET_KEY,
    viewCache: e.NODE_ENV !== 'development',
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    workerEnabled: e.WORKER_ENABLED,
    schedulerEnabled: e.SCHEDULER_ENABLED,
    catchUpGraceHours: e.CATCH_UP_GRACE_HOURS,
    sendRatePerMinute: e.SEND_RATE_PER_MINUTE,
    deliveryLeaseSeconds: e.DELIVERY_LEASE_SECONDS,
    unsubscribeMailto: e.UNSUBSCRIBE_MAILTO ?? e.MAIL_FROM,
    respondRateLimit: e.RESPOND_RATE_LIMIT,
    publicSubmitLimit: e.PUBLIC_SUBMIT_LIMIT,
    importMaxBytes: e.IMPORT_MAX_MB * 1024 * 1024,
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT },
  };
}
