/**
 * `npm run slack:manifest`: the Slack app manifest (`manifest.json`, committed with a
 * placeholder URL) with every request URL on PUBLIC_URL, checked, then printed to stdout or
 * written with `--out <file>`. Paste it at api.slack.com/apps → Create New App → From a
 * manifest; then set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET from the app's pages.
 *
 * `--check` only validates the committed manifest (placeholder URLs allowed).
 *
 * `--socket-mode` (or SLACK_APP_TOKEN set) prints it for Socket Mode instead: no request
 * URLs, so no PUBLIC_URL needed; then create an app-level token with `connections:write`
 * and set SLACK_APP_TOKEN (see the README).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, parseConfig } from '../src/config.ts';

export const EVENTS_PATH = '/slack/events';
export const COMMAND = '/onboarding';
/** What the adapter uses: DMs, messages, the command, mentions, names. */
export const REQUIRED_SCOPES = ['app_mentions:read', 'chat:write', 'commands', 'im:history', 'im:read', 'im:write', 'users:read'] as const;
export const REQUIRED_EVENTS = ['app_home_opened', 'message.im'] as const;

export const TEMPLATE_PATH = fileURLToPath(new URL('../manifest.json', import.meta.url));

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dotted path, or undefined. */
function at(root: unknown, dotted: string): unknown {
  let value: unknown = root;
  for (const key of dotted.split('.')) value = isObj(value) ? value[key] : undefined;
  return value;
}

export function readTemplate(file = TEMPLATE_PATH): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}

/** A copy of the manifest whose request URLs (events, interactivity, command) are `${publicUrl}/slack/events`. */
export function withPublicUrl(manifest: unknown, publicUrl: string): Obj {
  const copy = structuredClone(manifest);
  if (!isObj(copy)) throw new Error('the manifest is not a JSON object');
  const url = `${publicUrl.replace(/\/+$/, '')}${EVENTS_PATH}`;
  const events = at(copy, 'settings.event_subscriptions');
  const interactivity = at(copy, 'settings.interactivity');
  const commands = at(copy, 'features.slash_commands');
  if (isObj(events)) events['request_url'] = url;
  if (isObj(interactivity)) interactivity['request_url'] = url;
  if (Array.isArray(commands)) for (const command of commands) if (isObj(command)) command['url'] = url;
  return copy;
}

/** A copy of the manifest for Socket Mode: Slack sends everything over the app's WebSocket, so no request URLs. */
export function withSocketMode(manifest: unknown): Obj {
  const copy = structuredClone(manifest);
  if (!isObj(copy)) throw new Error('the manifest is not a JSON object');
  const events = at(copy, 'settings.event_subscriptions');
  const interactivity = at(copy, 'settings.interactivity');
  const commands = at(copy, 'features.slash_commands');
  if (isObj(events)) delete events['request_url'];
  if (isObj(interactivity)) delete interactivity['request_url'];
  if (Array.isArray(commands)) for (const command of commands) if (isObj(command)) delete command['url'];
  const settings = at(copy, 'settings');
  if (isObj(settings)) settings['socket_mode_enabled'] = true;
  return copy;
}

/**
 * The required keys and values of the manifest this app relies on; returns the problems
 * (empty when it is fine). With `publicUrl`, every request URL must point at it over HTTPS.
 * With `socketMode`, Socket Mode must be on and request URLs are not needed.
 */
export function validateManifest(manifest: unknown, options: { publicUrl?: string; socketMode?: boolean } = {}): string[] {
  const problems: string[] = [];
  const text = (key: string, max: number, min = 1) => {
    const v = at(manifest, key);
    if (typeof v !== 'string' || v.trim().length < min || v.length > max) problems.push(`${key}: a string of ${min}–${max} characters is required`);
  };
  const isTrue = (key: string) => {
    if (at(manifest, key) !== true) problems.push(`${key}: must be true`);
  };
  const includes = (key: string, wanted: readonly string[]) => {
    const v = at(manifest, key);
    const list = Array.isArray(v) ? v : [];
    const missing = wanted.filter((w) => !list.includes(w));
    if (!Array.isArray(v) || missing.length > 0) problems.push(`${key}: missing ${missing.join(', ') || 'the list'}`);
  };
  const url = (key: string, value: unknown) => {
    if (options.socketMode) return;
    if (typeof value !== 'string' || !URL.canParse(value)) {
      problems.push(`${key}: a URL is required`);
      return;
    }
    const expected = options.publicUrl ? `${options.publicUrl.replace(/\/+$/, '')}${EVENTS_PATH}` : undefined;
    if (!value.startsWith('https://')) problems.push(`${key}: Slack only calls https:// URLs (got ${value})`);
    else if (expected && value !== expected) problems.push(`${key}: expected ${expected} (got ${value})`);
    else if (!expected && !value.endsWith(EVENTS_PATH)) problems.push(`${key}: must end with ${EVENTS_PATH}`);
  };

  if (!isObj(manifest)) return ['the manifest is not a JSON object'];
  text('display_information.name', 35);
  const description = at(manifest, 'display_information.description');
  if (description !== undefined) text('display_information.description', 140);
  const long = at(manifest, 'display_information.long_description');
  if (long !== undefined) text('display_information.long_description', 4000, 175);
  text('features.bot_user.display_name', 80);
  isTrue('features.app_home.home_tab_enabled');
  isTrue('features.app_home.messages_tab_enabled');
  if (at(manifest, 'features.app_home.messages_tab_read_only_enabled') === true) problems.push('features.app_home.messages_tab_read_only_enabled: people must be able to write to the assistant');
  const commands = at(manifest, 'features.slash_commands');
  const command = Array.isArray(commands) ? commands.find((c) => isObj(c) && c['command'] === COMMAND) : undefined;
  if (!isObj(command)) problems.push(`features.slash_commands: ${COMMAND} is required`);
  else {
    url(`features.slash_commands[${COMMAND}].url`, command['url']);
    if (typeof command['description'] !== 'string' || !command['description']) problems.push(`features.slash_commands[${COMMAND}].description: required`);
  }
  includes('oauth_config.scopes.bot', REQUIRED_SCOPES);
  url('settings.event_subscriptions.request_url', at(manifest, 'settings.event_subscriptions.request_url'));
  includes('settings.event_subscriptions.bot_events', REQUIRED_EVENTS);
  isTrue('settings.interactivity.is_enabled');
  url('settings.interactivity.request_url', at(manifest, 'settings.interactivity.request_url'));
  if (options.socketMode) {
    if (at(manifest, 'settings.socket_mode_enabled') !== true) problems.push('settings.socket_mode_enabled: must be true for Socket Mode');
  } else if (at(manifest, 'settings.socket_mode_enabled') === true) {
    problems.push('settings.socket_mode_enabled: this app receives HTTP requests (set it to false, or use --socket-mode)');
  }
  return problems;
}

/** The command line; returns the exit code. */
export function main(argv: readonly string[], env: Record<string, string | undefined>, out: { log(s: string): void; error(s: string): void } = console): number {
  const template = readTemplate();
  if (argv.includes('--check')) {
    const problems = validateManifest(template);
    for (const p of problems) out.error(`manifest.json: ${p}`);
    if (problems.length === 0) out.error('manifest.json is valid.');
    return problems.length ? 1 : 0;
  }
  let publicUrl: string;
  let socketMode: boolean;
  try {
    const config = parseConfig(env);
    publicUrl = config.publicUrl;
    socketMode = argv.includes('--socket-mode') || Boolean(config.slack.appToken);
  } catch (error) {
    if (error instanceof ConfigError) {
      out.error(error.message);
      return 1;
    }
    throw error;
  }
  if (!socketMode && !env['PUBLIC_URL']) out.error(`PUBLIC_URL is not set: using ${publicUrl}, which Slack cannot reach.`);
  const manifest = socketMode ? withSocketMode(template) : withPublicUrl(template, publicUrl);
  const problems = validateManifest(manifest, socketMode ? { socketMode } : { publicUrl });
  if (problems.length > 0) {
    out.error(`The Slack manifest is not valid (${socketMode ? 'Socket Mode' : `PUBLIC_URL=${publicUrl}`}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  const json = `${JSON.stringify(manifest, null, 2)}\n`;
  const i = argv.indexOf('--out');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (i >= 0 && !file) {
    out.error('--out needs a file name');
    return 1;
  }
  if (file) {
    fs.writeFileSync(path.resolve(file), json);
    out.error(`Wrote ${path.resolve(file)}: paste it at https://api.slack.com/apps → Create New App → From a manifest.`);
  } else {
    out.log(json.trimEnd());
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
