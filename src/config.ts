import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration, parsed once at start-up from the environment. Every problem is
 * reported with the variable's name so an operator can fix it without reading code.
 * Modules never read `process.env` themselves: they take the parts of `Config` they need.
 */

const csv = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean));

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() ? s.trim() : undefined));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((s) => (s && s.trim() ? s.trim() : undefined))
    .refine((s) => s === undefined || /^postgres(ql)?:\/\//.test(s), 'must start with postgresql://'),
  DATA_DIR: z.string().default('./data'),
  SMTP_URL: optionalString.refine(
    (s) => s === undefined || /^smtps?:\/\//.test(s),
    'must start with smtp:// or smtps://',
  ),
  MAIL_FROM: z.string().default('Onboarding Assistant <onboarding@localhost>'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Secret that signs emailed links. Unset: one is generated and kept in the database. */
  LINK_SECRET: optionalString.refine((s) => s === undefined || s.length >= 32, 'must be at least 32 characters'),
  LINK_TTL_DAYS: z.coerce.number().positive().max(90).default(7),
  /** Identities (channel:id, e.g. `webchat:staff`, `slack:U123`) allowed to decide. */
  STAFF_IDS: csv,
  SUPPORT_IDS: csv,
  /** Token that signs staff in to /staff (16+ characters). Unset: one-time links only. */
  STAFF_TOKEN: optionalString.refine((s) => s === undefined || s.length >= 16, 'must be at least 16 characters'),
  /** Hours (in each person's time zone) when no reminder is sent: `21-8`, `21:30-07:00` or `off`. */
  QUIET_HOURS: z
    .string()
    .default('21-8')
    .refine((s) => /^\s*(off|none|\d{1,2}(:\d{2})?\s*-\s*\d{1,2}(:\d{2})?)\s*$/i.test(s), 'must look like 21-8, 21:30-07:00 or off'),
  /** At most this many nudges per step for one organization or program. */
  MAX_NUDGES: z.coerce.number().int().min(0).max(20).default(2),
  /** Time zone for staff business days and quiet hours. */
  STAFF_TIME_ZONE: z.string().default('America/Toronto'),
  /** The delivery worker; set to `false` on instances that should only serve requests. */
  OUTBOX_WORKER: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  INBOUND_REPLAY_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  // Microsoft Teams (Bot Framework). With no app id the endpoint runs with auth off (local only).
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: optionalString,
  TEAMS_STAFF_CONVERSATION_ID: optionalString,
  // Slack.
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  /** Channel id where submissions are posted for approval. */
  SLACK_STAFF_CHANNEL: optionalString,
  /** Slack user ids (comma-separated) of staff and of support agents. */
  SLACK_STAFF_USERS: csv,
  SLACK_SUPPORT_USERS: csv,
  /** Base URL of the Slack Web API (tests, proxies). Default https://slack.com/api/. */
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** App-level token for Socket Mode (no public URL needed; SLACK_SIGNING_SECRET then optional). */
  SLACK_APP_TOKEN: optionalString.refine((s) => s === undefined || s.startsWith('xapp-'), 'must be an app-level token (xapp-…)'),
  /** `true` serves the Web Chat playground even when Slack or Teams credentials are set. */
  PLAYGROUND: z.enum(['true', 'false', 'auto']).default('auto'),
});

export type Config = {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly linkSecret: string | undefined;
  readonly linkTtlMs: number;
  readonly staffIds: readonly string[];
  readonly supportIds: readonly string[];
  readonly staffToken: string | undefined;
  readonly outboxWorker: boolean;
  /** How long a claimed outbox row stays with the instance that claimed it (then another may take it). */
  readonly outboxLeaseSeconds: number;
  /** A Slack DM acknowledged this long ago and still not processed (its instance died) is replayed. */
  readonly inboundReplaySeconds: number;
  readonly quietHours: string;
  readonly maxNudges: number;
  readonly staffTimeZone: string;
  readonly teams: {
    readonly appId: string | undefined;
    readonly appPassword: string | undefined;
    readonly appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    readonly tenantId: string | undefined;
    readonly staffConversationId: string | undefined;
  };
  readonly slack: {
    readonly botToken: string | undefined;
    readonly signingSecret: string | undefined;
    readonly staffChannel: string | undefined;
    readonly staffUsers: readonly string[];
    readonly supportUsers: readonly string[];
    readonly apiUrl: string | undefined;
    readonly appToken: string | undefined;
  };
  /** Serve the Web Chat playground at `/` (default: when no Slack or Teams credentials are set). */
  readonly playground: boolean;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    linkSecret: e.LINK_SECRET,
    linkTtlMs: e.LINK_TTL_DAYS * 24 * 60 * 60 * 1000,
    // Slack user ids given in their own variables count as `slack:<id>` identities.
    staffIds: [...e.STAFF_IDS, ...e.SLACK_STAFF_USERS.map((id) => `slack:${id}`)],
    supportIds: [...e.SUPPORT_IDS, ...e.SLACK_SUPPORT_USERS.map((id) => `slack:${id}`)],
    staffToken: e.STAFF_TOKEN,
    outboxWorker: e.OUTBOX_WORKER,
    outboxLeaseSeconds: e.OUTBOX_LEASE_SECONDS,
    inboundReplaySeconds: e.INBOUND_REPLAY_SECONDS,
    quietHours: e.QUIET_HOURS,
    maxNudges: e.MAX_NUDGES,
    staffTimeZone: e.STAFF_TIME_ZONE,
    teams: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appType: e.MicrosoftAppType,
      tenantId: e.MicrosoftAppTenantId,
      staffConversationId: e.TEAMS_STAFF_CONVERSATION_ID,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      staffChannel: e.SLACK_STAFF_CHANNEL,
      staffUsers: e.SLACK_STAFF_USERS,
      supportUsers: e.SLACK_SUPPORT_USERS,
      apiUrl: e.SLACK_API_URL,
      appToken: e.SLACK_APP_TOKEN,
    },
    playground: e.PLAYGROUND === 'auto' ? !e.MicrosoftAppId && !e.SLACK_BOT_TOKEN : e.PLAYGROUND === 'true',
  };
}
