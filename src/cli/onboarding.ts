/**
 * Entry point of `npm run onboarding -- <command>`: the support operator's command line.
 * Reads the same environment as the assistant (DATABASE_URL or DATA_DIR, LINK_SECRET,
 * PUBLIC_URL…); see `run-cli.ts` for the commands.
 */
import { ConfigError, parseConfig } from '../config.ts';
import { runCli } from './run-cli.ts';

try {
  const config = parseConfig(process.env);
  process.exitCode = await runCli(process.argv.slice(2), { config, out: process.stdout, err: process.stderr });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
}
