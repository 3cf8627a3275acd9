/**
 * The access gate of step 3 ("Request access to the virtual mentoring platform").
 *
 * The guide allows the request only when the organization is active, the program is
 * approved and the admin has signed up for an onboarding session. The assistant must
 * say which of these is missing instead of silently hiding the action, so the gate
 * returns the missing requirements, always in the order of `ACCESS_GATE_REQUIREMENTS`.
 */

export type AccessGateRequirement = 'organizationActive' | 'programApproved' | 'sessionBooked';

/** Every requirement, in the order `missing` lists them. */
export const ACCESS_GATE_REQUIREMENTS: readonly AccessGateRequirement[] = [
  'organizationActive',
  'programApproved',
  'sessionBooked',
] as const;

export type AccessGateInput = Readonly<Record<AccessGateRequirement, boolean>>;

export interface AccessGateResult {
  /** True when nothing is missing. */
  open: boolean;
  missing: AccessGateRequirement[];
}

export function checkAccessGate(input: AccessGateInput): AccessGateResult {
  const missing = ACCESS_GATE_REQUIREMENTS.filter((requirement) => !input[requirement]);
  return { open: missing.length === 0, missing };
}
