import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

/** Runs `src/main.ts` as `npm start` does, returning its exit code and output. */
function runMain(env: Record<string, string>, untilHealthy: boolean) {
  return new Promise<{ code: number | null; output: string; healthy: boolean }>((resolve) => {
    const child = spawn(tsx, ['src/main.ts'], { cwd: root, env: { ...process.env, ...env } });
    let output = '';
    let healthy = false;
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, healthy });
    });
    if (untilHealthy) {
      const poll = setInterval(async () => {
        const port = output.match(/localhost:(\d+)/)?.[1];
        if (!port) return;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.status === 200) {
            healthy = true;
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        } catch {
          // not listening yet
        }
      }, 100);
      child.on('exit', () => clearInterval(poll));
    }
  });
}

describe('starting the assistant', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('starts on embedded defaults, answers /healthz and stops cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-start-'));
    dirs.push(dataDir);
    // PUBLIC_URL names the port so the test can find it in the start-up line.
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const result = await runMain({ DATA_DIR: dataDir, PORT: port, HOST: '127.0.0.1', PUBLIC_URL: `http://localhost:${port}`, DATABASE_URL: '', SMTP_URL: '' }, true);
    expect(result.healthy, result.output).toBe(true);
    expect(result.code).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
  });

  it('refuses a bad configuration, naming the variable', async () => {
    const result = await runMain({ PORT: 'eighty', DATABASE_URL: 'mysql://nope' }, false);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/PORT/);
    expect(result.output).toMatch(/DATABASE_URL/);
  });

  it('reports health through the database', async () => {
    const t = await startTestApp();
    try {
      const res = await fetch(`${t.app.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
      const home = await fetch(`${t.app.url}/?lang=fr`);
      expect(await home.text()).toMatch(/lang="fr"/);
    } finally {
      await t.close();
    }
  });
});
