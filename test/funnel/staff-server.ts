import type { Server } from 'node:http';
import express from 'express';
import { createLinkSigner, type LinkSigner } from '../../src/core/link-tokens.ts';
import { staffRouter } from '../../src/web/staff-page.ts';
import type { TestApp } from '../helpers/app.ts';

/**
 * The staff router on its own express app beside the test app, over the same service,
 * store and link secret (the one the app generated and keeps in the database).
 */
export type StaffServer = { url: string; signer: LinkSigner; close(): Promise<void> };

export const STAFF_TOKEN = 'staff-token-for-tests-0123456789';

export async function startStaffServer(t: TestApp, options: { clock: () => Date; staffToken?: string | undefined }): Promise<StaffServer> {
  const secret = await t.app.store.getSetting('linkSecret');
  if (!secret) throw new Error('the app has no link secret');
  const signer = createLinkSigner(secret);
  const app = express();
  app.use(
    staffRouter({
      service: t.app.service,
      store: t.app.store,
      staffToken: options.staffToken,
      clock: options.clock,
      signer,
      sessionSecret: `session:${secret}`,
    }),
  );
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    signer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
