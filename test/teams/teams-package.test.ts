import { inflateRawSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildManifest, buildTeamsPackage, crc32, PLACEHOLDER_APP_ID, validateManifest } from '../../scripts/teams-package.ts';

/** Reads a zip back through its central directory, checking each entry's CRC. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  let at = zip.readUInt32LE(eocd + 16);
  expect(at + size).toBe(eocd);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const length = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    expect(zip.readUInt32LE(localAt)).toBe(0x04034b50);
    expect(zip.subarray(localAt + 30, localAt + 30 + zip.readUInt16LE(localAt + 26)).toString('utf8')).toBe(name);
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(data.length, name).toBe(length);
    expect(crc32(data), name).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

/** Decodes the RGBA PNGs this package writes (8-bit, colour type 6, filter 0 rows). */
function readPng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('ascii');
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8), data));
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[10], data[11], data[12]]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 4 + 1) * height);
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, pixels };
}

const APP_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

describe('the Teams app package', () => {
  it('is a zip with the manifest, its French localization and two generated icons', () => {
    const { zip, warnings } = buildTeamsPackage({ appId: APP_ID, publicUrl: 'https://onboarding.example.ca', version: '0.1.0' });
    expect(warnings).toEqual([]);
    const files = readZip(zip);
    expect([...files.keys()].sort()).toEqual(['color.png', 'fr-ca.json', 'manifest.json', 'outline.png']);

    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Record<string, unknown>;
    const fr = JSON.parse(files.get('fr-ca.json')!.toString('utf8')) as Record<string, string>;
    expect(validateManifest(manifest, fr)).toEqual([]);
    expect(manifest).toMatchObject({
      manifestVersion: '1.17',
      id: APP_ID,
      version: '0.1.0',
      icons: { color: 'color.png', outline: 'outline.png' },
      validDomains: ['onboarding.example.ca'],
      developer: { websiteUrl: 'https://onboarding.example.ca' },
      bots: [{ botId: APP_ID, scopes: ['personal', 'team'] }],
      localizationInfo: { defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'fr-ca', file: 'fr-ca.json' }] },
    });
    const description = manifest['description'] as { full: string };
    expect(description.full).toMatch(/walks organization administrators/);
    expect(description.full).toMatch(/guide les personnes administratrices/);
    expect(fr['description.short']).toMatch(/organismes/);

    const color = readPng(files.get('color.png')!);
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(color.pixels.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true); // opaque

    const outline = readPng(files.get('outline.png')!);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let drawn = 0;
    for (let i = 0; i < outline.pixels.length; i += 4) {
      // White on transparent only, as Teams requires of the outline icon.
      expect([outline.pixels[i], outline.pixels[i + 1], outline.pixels[i + 2]]).toEqual([255, 255, 255]);
      if (outline.pixels[i + 3]! > 0) drawn++;
    }
    expect(drawn).toBeGreaterThan(50);
    expect(drawn).toBeLessThan(32 * 32 - 100);
  });

  it('uses a placeholder bot id, with a warning, when MicrosoftAppId is not set', () => {
    const { manifest, warnings } = buildManifest({ appId: undefined, publicUrl: 'http://localhost:3978', version: '0.1.0' });
    expect(manifest['id']).toBe(PLACEHOLDER_APP_ID);
    expect(warnings.join('\n')).toMatch(/MicrosoftAppId is not set/);
    expect(warnings.join('\n')).toMatch(/local/);
    expect(manifest['validDomains']).toEqual([]);
    expect(validateManifest(manifest)).toEqual([]);
  });

  it('is byte-for-byte reproducible', () => {
    const options = { appId: APP_ID, publicUrl: 'https://onboarding.example.ca', version: '1.2.3' };
    expect(buildTeamsPackage(options).zip.equals(buildTeamsPackage(options).zip)).toBe(true);
  });

  it('finds what Teams would refuse', () => {
    const { manifest } = buildManifest({ appId: APP_ID, publicUrl: 'https://onboarding.example.ca', version: '0.1.0' });
    const broken = { ...manifest, id: 'nope', name: { short: 'x'.repeat(31), full: 'ok' }, validDomains: ['https://onboarding.example.ca'] };
    expect(validateManifest(broken)).toEqual(['id must be a GUID', 'name.short is longer than 30 characters', 'validDomains are host names only']);
  });
});
