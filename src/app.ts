import type { Server } from 'node:http';
import express from 'express';
import type { Config } from './config.ts';
import { openDatabase } from './store/database.ts';

export type RunningApp = {
  readonly url: string;
  readonly port: number;
  readonly databaseDescription: string;
  stop(): Promise<void>;
};

/** Builds and starts the whole assistant on `config.port` (0 picks a free port, for tests). */
export async function startApp(config: Config): Promise<RunningApp> {
  const db = await openDatabase(config);
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', database: db.kind });
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    databaseDescription: db.description,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
