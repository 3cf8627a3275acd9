/**
 * Entry point of `npm start`: one Node process, one HTTP server.
 */
import { ConfigError, parseConfig } from './config.ts';
import { startApp } from './app.ts';

try {
  const config = parseConfig(process.env);
  const app = await startApp(config);
  console.log(`Onboarding assistant listening on ${config.publicUrl} (database: ${app.databaseDescription})`);
  const stop = async (signal: string) => {
    console.log(`${signal} received, stopping…`);
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error('Start-up failed:', error instanceof Error ? error.message : error);
  process.exit(1);
}
