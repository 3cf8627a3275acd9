import { newTokenId, type LinkSigner } from './link-tokens.ts';
import type { LinkTokenRecord, StoreTx } from '../store/store.ts';

/**
 * One-time sign-in links to the staff pages (`/staff/sign-in?token=…`): a signed link
 * token of purpose `staff`, used up on first use. Issued by the operator CLI
 * (`staff-link`) and by the assistant to staff who ask in chat (`staff page`); checked by
 * the staff pages (src/web/staff-page.ts). In src/core so that the onboarding service can
 * issue them without the core depending on the web pages.
 */

export const STAFF_LINK_TTL_MS = 15 * 60_000;
const STAFF_PURPOSE = 'staff';

/**
 * Issues a one-time staff sign-in link (15 minutes by default) for `personId`, who is
 * recorded as its holder. Whoever can run this (the operator CLI, or the onboarding
 * service for a staff member) can let someone in, so callers check who asks.
 */
export async function createStaffSignInLink(
  store: Pick<StoreTx, 'createLinkToken'>,
  signer: LinkSigner,
  input: { personId: string; now: Date; baseUrl: string; ttlMs?: number },
): Promise<{ url: string; token: string; expiresAt: Date }> {
  const id = newTokenId();
  const expiresAt = new Date(input.now.getTime() + (input.ttlMs ?? STAFF_LINK_TTL_MS));
  const row = { id, purpose: STAFF_PURPOSE, personId: input.personId, entityId: STAFF_PURPOSE, expiresAt, usedAt: null, revokedAt: null, createdAt: input.now };
  // The column is text; `LinkTokenRecord['purpose']` names only the emailed kinds so far
  // (widening it to include 'staff' would make this cast unnecessary).
  await store.createLinkToken(row as unknown as LinkTokenRecord);
  const token = signer.sign(id);
  return { url: `${input.baseUrl.replace(/\/+$/, '')}/staff/sign-in?token=${encodeURIComponent(token)}`, token, expiresAt };
}

export type StaffLinkResult = { ok: true; personId: string } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Checks and uses up a one-time staff link: forged, other-purpose, expired or used links are refused. */
export async function consumeStaffSignInLink(
  store: Pick<StoreTx, 'getLinkToken' | 'useLinkToken'>,
  signer: LinkSigner,
  token: string,
  now: Date,
): Promise<StaffLinkResult> {
  const id = signer.verify(token);
  if (!id) return { ok: false, reason: 'invalid' };
  const row = await store.getLinkToken(id);
  if (!row || String(row.purpose) !== STAFF_PURPOSE) return { ok: false, reason: 'invalid' };
  if (row.usedAt || row.revokedAt) return { ok: false, reason: 'used' };
  if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  // A conditional update: of two uses at once, one wins.
  if (!(await store.useLinkToken(id, now))) return { ok: false, reason: 'used' };
  return { ok: true, personId: row.personId };
}
