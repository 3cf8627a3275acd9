/**
 * Entry point of `npm start`: one Node process, one HTTP server.
 */
import { ConfigError, parseConfig } from './config.ts';
import { startApp, type RunningApp } from './app.ts';

let app: RunningApp | undefined;
let stopping = false;

// Registered before start-up so that a signal during start-up also ends cleanly.
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping…`);
  await app?.stop();
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

try {
  const config = parseConfig(process.env);
  app = await startApp(config);
  console.log(`Onboarding assistant listening on ${config.publicUrl} (database: ${app.databaseDescription})`);
  if (stopping) {
    await app.stop();
    process.exit(0);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error('Start-up failed:', error instanceof Error ? error.message : error);
  process.exit(1);
}
