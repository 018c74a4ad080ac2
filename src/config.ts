import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * Every setting Rapport reads, parsed once at start-up. A bad value stops the process with a message
 * naming the key, instead of failing later in the middle of a request.
 */
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const variables = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  // A streaming replica of DATABASE_URL's server: dashboards, exports and the API's reads of responses and
  // metrics go there when it is safe (platform/replica.ts). Needs DATABASE_URL.
  DATABASE_REPLICA_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  // A replica whose received WAL waits longer than this to be replayed is not read from.
  REPLICA_MAX_LAG_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
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
  // Which proxies' X-Forwarded-For to believe. `true` means the one load balancer in front (1 hop), never "every
  // hop": with that, anyone could name their own address and walk past the per-IP rate limits.
  TRUST_PROXY: z
    .string()
    .refine(
      (v) =>
        /^(true|false|yes|no|\d{1,2})$/.test(v) ||
        v
          .split(',')
          .every(
            (a) =>
              /^(loopback|linklocal|uniquelocal)$/.test(a.trim()) ||
              ipaddr.isValidCIDR(a.trim()) ||
              ipaddr.isValid(a.trim()),
          ),
      'must be false, true (one proxy), a number of proxies, or addresses/subnets such as "10.0.0.0/8, loopback"',
    )
    .transform((v): number | string | false =>
      v === 'false' || v === 'no' || v === '0'
        ? false
        : v === 'true' || v === 'yes'
          ? 1
          : /^\d+$/.test(v)
            ? Number(v)
            : v,
    )
    .default(false),
  WORKER_ENABLED: boolean.default(true),
  SCHEDULER_ENABLED: boolean.default(true),
  CATCH_UP_GRACE_HOURS: z.coerce.number().min(0).max(168).default(6),
  SEND_RATE_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
  DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(30).max(3600).default(120),
  UNSUBSCRIBE_MAILTO: z.email().optional(),
  // Requests per minute per IP on /r/* (per instance).
  RESPOND_RATE_LIMIT: z.coerce.number().int().min(1).default(300),
  // Public-link submissions per IP per 10 minutes (shared by all instances).
  PUBLIC_SUBMIT_LIMIT: z.coerce.number().int().min(1).default(20),
  // API requests per minute per key (counted in PostgreSQL: shared by all instances).
  API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  IMPORT_MAX_MB: z.coerce.number().int().min(1).max(1024).default(50),
  // The dashboards' own database connections per instance (see insights/readers.ts), and how long one of their
  // statements may run.
  INSIGHTS_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(3),
  INSIGHTS_STATEMENT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // An export streams every row of a survey for as long as the download lasts: its own, longer bound.
  INSIGHTS_EXPORT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  // Whether anyone may sign up and create a workspace (/signup); off, only invitations bring people in.
  SIGNUP_ENABLED: boolean.default(false),
  // A signed-in session ends after this long without a request (idle), and this long after sign-in (absolute).
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(525_600).default(20_160),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(8760).default(720),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WEBHOOKS_ALLOW_PRIVATE: boolean.default(false),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  // The customer's answers come back (inbound/README.md): the domain whose mail reaches Rapport (a subdomain whose
  // MX points at it, e.g. reply.example.com), the port of Rapport's own SMTP listener for it, the largest message
  // it takes, and a mailbox to poll instead of (or as well as) the listener.
  INBOUND_DOMAIN: z
    .string()
    .regex(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
      'must be a domain name, e.g. reply.example.com',
    )
    .transform((d) => d.toLowerCase())
    .optional(),
  INBOUND_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  INBOUND_SMTP_HOST: z.string().min(1).optional(),
  INBOUND_MAX_MB: z.coerce.number().int().min(1).max(100).default(25),
  IMAP_URL: z
    .string()
    .regex(/^imaps?:\/\/[^@/]+@[^/]+/, 'must look like imaps://user:password@imap.example.com')
    .optional(),
  IMAP_POLL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  IMAP_MOVE_TO: z.string().min(1).optional(),
  // Single sign-on with OpenID Connect (accounts/oidc.ts): all three or none. The issuer is https (plain http only
  // on this machine's loopback, for a provider under test); OIDC_NAME is what the button says ("Sign in with …").
  OIDC_ISSUER: z
    .url({ protocol: /^https?$/ })
    .refine(
      (u) => u.startsWith('https:') || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(u),
      'must be an https:// URL (http:// only on localhost)',
    )
    .optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().trim().min(1).max(40, 'must be at most 40 characters').optional(),
  // Webhook messages (event, deliveries, attempt log) are deleted this many days after the event, once settled.
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

/** PUBLIC_URL → publicUrl: each variable's setting is named after it. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;
type Settings<T> = { [K in keyof T as K extends string ? CamelCase<K> : never]: T[K] };
const camelCase = (name: string) => name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The settings: every variable under its camelCase name, then the few that are worked out from others. A new
 * setting is one line in `variables`; its type follows.
 */
const schema = variables
  .refine((e) => !e.INBOUND_SMTP_PORT || e.INBOUND_DOMAIN, {
    path: ['INBOUND_DOMAIN'],
    message: 'must be set with INBOUND_SMTP_PORT (the listener takes mail for that domain only)',
  })
  .refine(
    (e) =>
      [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].every((v) => v === undefined) ||
      [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].every((v) => v !== undefined),
    {
      path: ['OIDC_ISSUER'],
      message: 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three, or none',
    },
  )
  .refine((e) => !e.OIDC_NAME || e.OIDC_ISSUER, {
    path: ['OIDC_NAME'],
    message: 'names the single sign-on button: needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET',
  })
  .transform((e) => {
    const {
      publicUrl,
      embeddedPgDir,
      embeddedPgPort,
      nodeEnv,
      unsubscribeMailto,
      importMaxMb,
      sessionIdleMinutes,
      sessionAbsoluteHours,
      metricsToken,
      metricsPort,
      inboundDomain,
      inboundSmtpPort,
      inboundSmtpHost,
      inboundMaxMb,
      imapUrl,
      imapPollSeconds,
      imapMoveTo,
      replicaMaxLagSeconds,
      oidcIssuer,
      oidcClientId,
      oidcClientSecret,
      oidcName,
      ...settings
    } = Object.fromEntries(Object.entries(e).map(([k, v]) => [camelCase(k), v])) as Settings<typeof e>;
    return {
      ...settings,
      publicUrl: (publicUrl ?? `http://localhost:${settings.port}`).replace(/\/+$/, ''),
      embeddedPg: { dir: path.resolve(embeddedPgDir), port: embeddedPgPort },
      /** Compiled templates are cached except in development (`npm run dev`). */
      viewCache: nodeEnv !== 'development',
      unsubscribeMailto: unsubscribeMailto ?? settings.mailFrom,
      /** Largest CSV a contact import accepts, in bytes. */
      importMaxBytes: importMaxMb * 1024 * 1024,
      /** Session lifetimes in milliseconds: idle (no request for that long) and absolute (since sign-in). */
      sessionIdleMs: sessionIdleMinutes * 60_000,
      sessionAbsoluteMs: sessionAbsoluteHours * 3_600_000,
      /** /metrics is off unless a token (Bearer, on PORT) or a port of its own is set. */
      metrics: { token: metricsToken, port: metricsPort },
      replicaMaxLagMs: replicaMaxLagSeconds * 1000,
      /** Single sign-on, when configured; the button names the provider (OIDC_NAME, or the issuer's host). */
      oidc:
        oidcIssuer && oidcClientId && oidcClientSecret
          ? {
              issuer: oidcIssuer,
              clientId: oidcClientId,
              clientSecret: oidcClientSecret,
              name: oidcName ?? new URL(oidcIssuer).hostname,
            }
          : undefined,
      /**
       * Where customers' answers come in. With the built-in mailbox (no SMTP_URL) the listener always runs, on
       * loopback and a free port unless INBOUND_SMTP_PORT says otherwise, for a domain of its own, so replies carry
       * a reply address and "Reply as the customer" goes through the same path as production mail.
       */
      inbound: {
        domain: inboundDomain ?? (settings.smtpUrl ? undefined : 'reply.rapport.localhost'),
        smtpPort: inboundSmtpPort,
        smtpHost: inboundSmtpHost,
        maxBytes: inboundMaxMb * 1024 * 1024,
        imap: imapUrl ? { url: imapUrl, pollMs: imapPollSeconds * 1000, moveTo: imapMoveTo } : undefined,
      },
    };
  });

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", the way shells and .env files usually intend it.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  // A replica of the embedded server is not something Rapport makes: the key only means something with a server.
  if (parsed.data.databaseReplicaUrl && !parsed.data.databaseUrl)
    throw new ConfigError('Invalid configuration:\n  DATABASE_REPLICA_URL: needs DATABASE_URL (the primary) too');
  return parsed.data;
}

/** Every setting at its default, for whoever is handed only some (the app in tests): stated once, above. */
export const DEFAULT_CONFIG: Config = loadConfig({});
