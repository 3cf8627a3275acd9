import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, readTemplate, validateManifest, withPublicUrl, withSocketMode } from '../../scripts/slack-manifest.ts';

/** The committed Slack app manifest and `npm run slack:manifest`. */

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(tsx, ['scripts/slack-manifest.ts', ...args], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

describe('Slack manifest', () => {
  it('commits a valid manifest with a placeholder URL', () => {
    const template = readTemplate();
    expect(validateManifest(template)).toEqual([]);
    expect(JSON.stringify(template)).toContain('example.invalid/slack/events');
  });

  it('puts every request URL on PUBLIC_URL', () => {
    const manifest = withPublicUrl(readTemplate(), 'https://onboarding.mentors.example.org/');
    const url = 'https://onboarding.mentors.example.org/slack/events';
    expect(validateManifest(manifest, { publicUrl: 'https://onboarding.mentors.example.org' })).toEqual([]);
    const json = JSON.stringify(manifest);
    expect(json.match(/https:\/\/[^"]+/g)?.filter((u) => u.endsWith('/slack/events'))).toEqual([url, url, url]);
    expect(json).not.toContain('example.invalid');
  });

  it('names what is missing or wrong', () => {
    const broken = structuredClone(readTemplate()) as Record<string, Record<string, unknown>>;
    delete broken['features']!['app_home'];
    (broken['oauth_config']!['scopes'] as Record<string, unknown>)['bot'] = ['chat:write'];
    (broken['settings']!['event_subscriptions'] as Record<string, unknown>)['bot_events'] = ['message.channels'];
    (broken['settings']!['interactivity'] as Record<string, unknown>)['request_url'] = 'http://insecure.example.org/slack/events';
    delete broken['display_information'];
    const problems = validateManifest(broken).join('\n');
    expect(problems).toContain('display_information.name');
    expect(problems).toContain('features.app_home.home_tab_enabled');
    expect(problems).toContain('features.app_home.messages_tab_enabled');
    expect(problems).toMatch(/oauth_config\.scopes\.bot: missing app_mentions:read, commands, im:history/);
    expect(problems).toMatch(/bot_events: missing app_home_opened, message\.im/);
    expect(problems).toContain('settings.interactivity.request_url: Slack only calls https://');
    expect(validateManifest(withPublicUrl(readTemplate(), 'https://a.example.org'), { publicUrl: 'https://b.example.org' }).join('\n')).toContain('expected https://b.example.org/slack/events');
    expect(validateManifest([])).toEqual(['the manifest is not a JSON object']);
  });

  it('makes a Socket Mode manifest (no request URLs, no PUBLIC_URL needed) with --socket-mode', () => {
    const lines = { log: [] as string[], error: [] as string[] };
    const out = { log: (s: string) => lines.log.push(s), error: (s: string) => lines.error.push(s) };
    expect(main(['--socket-mode'], {}, out)).toBe(0);
    expect(lines.error).toEqual([]);
    const manifest = JSON.parse(lines.log.join('\n')) as Record<string, unknown>;
    expect(validateManifest(manifest, { socketMode: true })).toEqual([]);
    expect((manifest['settings'] as Record<string, unknown>)['socket_mode_enabled']).toBe(true);
    expect(JSON.stringify(manifest)).not.toMatch(/request_url|"url"/);
    // The HTTP checks refuse it, and the Socket Mode checks refuse the HTTP manifest.
    expect(validateManifest(withSocketMode(readTemplate())).join('\n')).toMatch(/socket_mode_enabled/);
    expect(validateManifest(readTemplate(), { socketMode: true })).toEqual(['settings.socket_mode_enabled: must be true for Socket Mode']);
    // An app-level token in the environment asks for it too.
    const fromEnv = { log: [] as string[], error: [] as string[] };
    expect(main([], { SLACK_APP_TOKEN: 'xapp-1-A0-1-x' }, { log: (s) => fromEnv.log.push(s), error: (s) => fromEnv.error.push(s) })).toBe(0);
    expect(fromEnv.log.join('\n')).toContain('"socket_mode_enabled": true');
  });

  it('npm run slack:manifest prints it on stdout', () => {
    const printed = run([], { PUBLIC_URL: 'https://bot.example.org' });
    expect(printed.status, printed.stderr).toBe(0);
    const manifest = JSON.parse(printed.stdout) as Record<string, unknown>;
    expect(validateManifest(manifest, { publicUrl: 'https://bot.example.org' })).toEqual([]);
  });

  it('writes it with --out, and refuses a URL Slack cannot call', () => {
    const capture = () => {
      const lines = { log: [] as string[], error: [] as string[] };
      return { lines, out: { log: (s: string) => lines.log.push(s), error: (s: string) => lines.error.push(s) } };
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slack-manifest-'));
    try {
      const file = path.join(dir, 'slack-manifest.json');
      const written = capture();
      expect(main(['--out', file], { PUBLIC_URL: 'https://bot.example.org' }, written.out)).toBe(0);
      expect(validateManifest(JSON.parse(fs.readFileSync(file, 'utf8')), { publicUrl: 'https://bot.example.org' })).toEqual([]);
      expect(written.lines.log).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const local = capture();
    expect(main([], {}, local.out)).toBe(1);
    expect(local.lines.error.join('\n')).toMatch(/PUBLIC_URL is not set/);
    expect(local.lines.error.join('\n')).toMatch(/Slack only calls https:\/\//);
    const bad = capture();
    expect(main([], { PUBLIC_URL: 'not a url' }, bad.out)).toBe(1);
    expect(bad.lines.error.join('\n')).toMatch(/PUBLIC_URL/);
    expect(main(['--out'], { PUBLIC_URL: 'https://bot.example.org' }, capture().out)).toBe(1);
    expect(main(['--check'], {}, capture().out)).toBe(0);
  });
});
