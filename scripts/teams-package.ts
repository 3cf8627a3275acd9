/**
 * `npm run teams:package`: builds `dist/teams-app.zip`, the app package an administrator
 * uploads to Microsoft Teams: `manifest.json` (schema 1.17), its French localization and
 * the two icons, drawn here. No dependencies: a PNG encoder and a zip writer on node:zlib.
 *
 * Reads `MicrosoftAppId` (the bot's Azure app id; a placeholder with a warning when unset)
 * and `PUBLIC_URL` (its host becomes the valid domain) from the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { parseConfig } from '../src/config.ts';

// ---- CRC-32 (PNG chunks and zip entries share it) ------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(...parts: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const bytes of parts) for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---- PNG ------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(head.subarray(4), data), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG from `width × height × 4` bytes, rows top to bottom. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: expected ${width * height * 4} bytes, got ${rgba.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: RGBA
  // compression, filter, interlace: 0
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

type Rgb = readonly [number, number, number];

/**
 * Draws the icon: two interlocking rings (a mentor and a mentee, connected). `background`
 * null leaves it transparent (the outline icon must be white on transparent). Edges are
 * anti-aliased by 4×4 supersampling.
 */
export function drawIcon(size: number, foreground: Rgb, background: Rgb | null): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const ringRadius = size * 0.24;
  const thickness = Math.max(size * 0.075, 2.2);
  const centres = [
    [size * 0.38, size * 0.5],
    [size * 0.62, size * 0.5],
  ] as const;
  const inShape = (x: number, y: number) => centres.some(([cx, cy]) => Math.abs(Math.hypot(x - cx, y - cy) - ringRadius) <= thickness / 2);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) for (let sx = 0; sx < samples; sx++) if (inShape(x + (sx + 0.5) / samples, y + (sy + 0.5) / samples)) hits++;
      const coverage = hits / (samples * samples);
      const i = (y * size + x) * 4;
      if (background) {
        for (let c = 0; c < 3; c++) pixels[i + c] = Math.round(background[c]! * (1 - coverage) + foreground[c]! * coverage);
        pixels[i + 3] = 255;
      } else {
        pixels.set(foreground, i);
        pixels[i + 3] = Math.round(255 * coverage);
      }
    }
  }
  return pixels;
}

// ---- zip ------------------------------------------------------------------------------

export type ZipEntry = { name: string; data: Uint8Array };

/** A fixed timestamp (2025-01-01 00:00) so the same inputs give the same package. */
const DOS_TIME = 0;
const DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1;

/** A zip archive with every entry deflated (method 8) and UTF-8 names. */
export function createZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra, comment, disk, internal and external attributes: 0
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ---- manifest -------------------------------------------------------------------------

export const MANIFEST_VERSION = '1.17';
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
const ACCENT: Rgb = [0x1f, 0x5f, 0xa8];
const WHITE: Rgb = [255, 255, 255];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type PackageOptions = {
  /** `MicrosoftAppId`; unset: a placeholder (the package will not work until replaced). */
  appId: string | undefined;
  /** `PUBLIC_URL`: where the assistant is reachable (its host is the valid domain). */
  publicUrl: string;
  /** The app's version (`package.json`). */
  version: string;
  developerName?: string;
};

type Command = { title: string; description: string };

const COMMANDS = {
  personal: {
    en: [
      { title: 'start', description: 'Start or resume your organization’s onboarding' },
      { title: 'status', description: 'See where your organization and programs stand' },
      { title: 'help', description: 'What the assistant can do' },
      { title: 'français', description: 'Continue in French' },
    ],
    fr: [
      { title: 'commencer', description: 'Commencer ou reprendre l’inscription de votre organisme' },
      { title: 'statut', description: 'Voir où en sont votre organisme et vos programmes' },
      { title: 'aide', description: 'Ce que l’assistant peut faire' },
      { title: 'english', description: 'Continuer en anglais' },
    ],
  },
  team: {
    en: [
      { title: 'use this channel for approvals', description: 'Staff: post approval cards in this channel' },
      { title: 'status', description: 'Look up an organization, program or person' },
      { title: 'sessions', description: 'Staff: publish an onboarding session' },
    ],
    fr: [
      // Teams caps titles at 32 characters; the English phrase works in both languages.
      { title: 'use this channel for approvals', description: 'Personnel : publier les demandes d’approbation dans ce canal' },
      { title: 'statut', description: 'Chercher un organisme, un programme ou une personne' },
      { title: 'séances', description: 'Personnel : publier une séance d’accueil' },
    ],
  },
} satisfies Record<'personal' | 'team', Record<'en' | 'fr', Command[]>>;

const TEXT = {
  en: {
    nameShort: 'Onboarding Assistant',
    nameFull: 'Onboarding Assistant for the virtual mentoring platform',
    descriptionShort: 'Walks organizations through onboarding to the mentoring platform.',
    descriptionFull:
      'The Onboarding Assistant walks organization administrators through the four steps to the national virtual mentoring platform: register the organization, register a program, request access, and complete the platform registration. It remembers where you are, asks staff for approvals, sends the emails, and lets support see where every organization stands.',
  },
  fr: {
    nameShort: 'Assistant d’inscription',
    nameFull: 'Assistant d’inscription à la plateforme de mentorat virtuel',
    descriptionShort: 'Guide les organismes dans leur inscription à la plateforme de mentorat.',
    descriptionFull:
      'L’assistant d’inscription guide les personnes administratrices d’organismes à travers les quatre étapes vers la plateforme nationale de mentorat virtuel : inscrire l’organisme, inscrire un programme, demander l’accès et terminer l’inscription sur la plateforme. Il se souvient où vous en êtes, demande les approbations au personnel, envoie les courriels et permet au soutien de voir où en est chaque organisme.',
  },
} as const;

export type Manifest = Record<string, unknown>;

export function buildManifest(options: PackageOptions): { manifest: Manifest; localization: { fr: Record<string, string> }; warnings: string[] } {
  const warnings: string[] = [];
  let appId = options.appId;
  if (!appId || !GUID.test(appId)) {
    warnings.push(
      appId
        ? `MicrosoftAppId "${appId}" is not a GUID; using the placeholder ${PLACEHOLDER_APP_ID}.`
        : `MicrosoftAppId is not set: the manifest uses the placeholder ${PLACEHOLDER_APP_ID}. Teams will not reach the bot until you set MicrosoftAppId (the Azure Bot's app id) and rebuild.`,
    );
    appId = PLACEHOLDER_APP_ID;
  }
  const url = new URL(options.publicUrl);
  const local = ['localhost', '127.0.0.1', '0.0.0.0', '::1', '[::1]'].includes(url.hostname);
  if (local) warnings.push(`PUBLIC_URL (${options.publicUrl}) is local: Teams cannot reach it. Set PUBLIC_URL to the public https address (or a tunnel).`);
  else if (url.protocol !== 'https:') warnings.push(`PUBLIC_URL (${options.publicUrl}) is not https: Teams requires https.`);
  // The developer links must be https; an https PUBLIC_URL is the assistant's own site.
  const site = url.protocol === 'https:' ? url.origin : 'https://example.org';
  if (url.protocol !== 'https:') warnings.push(`The developer website, privacy and terms links use ${site} until PUBLIC_URL is https.`);

  const commandLists = (['personal', 'team'] as const).map((scope) => ({ scopes: [scope], commands: COMMANDS[scope].en }));
  const manifest: Manifest = {
    $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: MANIFEST_VERSION,
    version: options.version,
    id: appId,
    localizationInfo: { defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'fr-ca', file: 'fr-ca.json' }] },
    developer: {
      name: options.developerName ?? 'Onboarding Assistant',
      websiteUrl: site,
      privacyUrl: `${site}/privacy`,
      termsOfUseUrl: `${site}/terms`,
    },
    name: { short: TEXT.en.nameShort, full: TEXT.en.nameFull },
    // Bilingual: the default description reads in both languages; French clients get fr-ca.json.
    description: { short: TEXT.en.descriptionShort, full: `${TEXT.en.descriptionFull}\n\n${TEXT.fr.descriptionFull}` },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: `#${ACCENT.map((c) => c.toString(16).padStart(2, '0')).join('').toUpperCase()}`,
    bots: [{ botId: appId, scopes: ['personal', 'team'], supportsFiles: false, isNotificationOnly: false, commandLists }],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: local ? [] : [url.hostname],
  };

  const fr: Record<string, string> = {
    $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`,
    'name.short': TEXT.fr.nameShort,
    'name.full': TEXT.fr.nameFull,
    'description.short': TEXT.fr.descriptionShort,
    'description.full': TEXT.fr.descriptionFull,
  };
  (['personal', 'team'] as const).forEach((scope, list) =>
    COMMANDS[scope].fr.forEach((command, i) => {
      fr[`bots[0].commandLists[${list}].commands[${i}].title`] = command.title;
      fr[`bots[0].commandLists[${list}].commands[${i}].description`] = command.description;
    }),
  );
  return { manifest, localization: { fr }, warnings };
}

/** The rules of the Teams manifest schema this package relies on; returns the problems. */
export function validateManifest(manifest: Manifest, localization?: Record<string, string>): string[] {
  const problems: string[] = [];
  const str = (value: unknown): string => (typeof value === 'string' ? value : '');
  const max = (where: string, value: unknown, limit: number) => {
    const s = str(value);
    if (!s) problems.push(`${where} is required`);
    else if ([...s].length > limit) problems.push(`${where} is longer than ${limit} characters`);
  };
  const https = (where: string, value: unknown) => {
    if (!/^https:\/\/\S+$/.test(str(value))) problems.push(`${where} must be an https URL`);
  };
  const obj = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

  if (manifest['manifestVersion'] !== MANIFEST_VERSION) problems.push('manifestVersion');
  if (!str(manifest['$schema']).endsWith(`/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`)) problems.push('$schema');
  if (!/^\d+\.\d+\.\d+$/.test(str(manifest['version']))) problems.push('version must be x.y.z');
  if (!GUID.test(str(manifest['id']))) problems.push('id must be a GUID');
  const developer = obj(manifest['developer']);
  max('developer.name', developer['name'], 32);
  https('developer.websiteUrl', developer['websiteUrl']);
  https('developer.privacyUrl', developer['privacyUrl']);
  https('developer.termsOfUseUrl', developer['termsOfUseUrl']);
  const name = obj(manifest['name']);
  max('name.short', name['short'], 30);
  max('name.full', name['full'], 100);
  const description = obj(manifest['description']);
  max('description.short', description['short'], 80);
  max('description.full', description['full'], 4000);
  const icons = obj(manifest['icons']);
  if (icons['color'] !== 'color.png' || icons['outline'] !== 'outline.png') problems.push('icons');
  if (!/^#[0-9A-Fa-f]{6}$/.test(str(manifest['accentColor']))) problems.push('accentColor must be #RRGGBB');
  const bots = Array.isArray(manifest['bots']) ? (manifest['bots'] as unknown[]).map(obj) : [];
  if (bots.length !== 1) problems.push('exactly one bot');
  for (const bot of bots) {
    if (!GUID.test(str(bot['botId']))) problems.push('bots[0].botId must be a GUID');
    const scopes = Array.isArray(bot['scopes']) ? bot['scopes'] : [];
    if (!scopes.every((s) => ['personal', 'team', 'groupChat'].includes(String(s))) || scopes.length === 0) problems.push('bots[0].scopes');
    for (const list of Array.isArray(bot['commandLists']) ? (bot['commandLists'] as unknown[]).map(obj) : []) {
      const commands = Array.isArray(list['commands']) ? (list['commands'] as unknown[]).map(obj) : [];
      if (commands.length > 10) problems.push('at most 10 commands per list');
      for (const c of commands) {
        max('command title', c['title'], 32);
        max('command description', c['description'], 128);
      }
    }
  }
  const domains = manifest['validDomains'];
  if (!Array.isArray(domains) || domains.some((d) => typeof d !== 'string' || /[/:]/.test(d))) problems.push('validDomains are host names only');
  if (localization) {
    max('fr name.short', localization['name.short'], 30);
    max('fr name.full', localization['name.full'], 100);
    max('fr description.short', localization['description.short'], 80);
    max('fr description.full', localization['description.full'], 4000);
    for (const [key, value] of Object.entries(localization)) {
      if (/\.title$/.test(key)) max(`fr ${key}`, value, 32);
      if (/commands\[\d+\]\.description$/.test(key)) max(`fr ${key}`, value, 128);
    }
  }
  return problems;
}

/** The whole package: the zip's bytes and the warnings to show. */
export function buildTeamsPackage(options: PackageOptions): { zip: Buffer; manifest: Manifest; warnings: string[] } {
  const { manifest, localization, warnings } = buildManifest(options);
  const problems = validateManifest(manifest, localization.fr);
  if (problems.length > 0) throw new Error(`The Teams manifest is invalid:\n  ${problems.join('\n  ')}`);
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  const zip = createZip([
    { name: 'manifest.json', data: json(manifest) },
    { name: 'fr-ca.json', data: json(localization.fr) },
    { name: 'color.png', data: encodePng(192, 192, drawIcon(192, WHITE, ACCENT)) },
    { name: 'outline.png', data: encodePng(32, 32, drawIcon(32, WHITE, null)) },
  ]);
  return { zip, manifest, warnings };
}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  const { zip, manifest, warnings } = buildTeamsPackage({ appId: config.teams.appId, publicUrl: config.publicUrl, version: pkg.version ?? '1.0.0' });
  const out = path.join(root, 'dist', 'teams-app.zip');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, zip);
  for (const w of warnings) console.warn(`warning: ${w}`);
  console.log(`Wrote ${path.relative(process.cwd(), out)} (${zip.length} bytes): bot ${String(manifest['id'])}, valid domains ${JSON.stringify(manifest['validDomains'])}.`);
  console.log(`Set the Azure Bot's messaging endpoint to ${config.publicUrl}/api/messages, then upload the zip in Teams (Apps → Manage your apps → Upload an app).`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
