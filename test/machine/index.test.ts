import { describe, expect, it } from 'vitest';
import {
  isFinal,
  programApprovedIn,
  organizationMachine,
  programMachine,
  stateKey,
  stepOf,
  type StepInfo,
} from '../../src/machine/index.ts';
import { allStateNodes } from './model.ts';

/** Dotted keys of the leaf (atomic or final) states of a machine. */
function leafKeys(machine: typeof organizationMachine | typeof programMachine): string[] {
  return allStateNodes(machine)
    .filter((node) => node.type === 'atomic' || node.type === 'final')
    .map((node) => node.path.join('.'))
    .sort();
}

describe('stateKey', () => {
  it('flattens state values to dotted keys', () => {
    expect(stateKey('draft')).toBe('draft');
    expect(stateKey({ approved: 'sessionBooked' })).toBe('approved.sessionBooked');
    expect(stateKey({ a: { b: 'c' } })).toBe('a.b.c');
  });
});

describe('stepOf', () => {
  const organization: Array<[string, StepInfo]> = [
    ['draft', { step: 1, waitingOn: 'admin', final: false }],
    ['submitted', { step: 1, waitingOn: 'staff', final: false }],
    ['changesRequested', { step: 1, waitingOn: 'admin', final: false }],
    ['awaitingActivation', { step: 1, waitingOn: 'admin', final: false }],
    ['active', { step: 1, waitingOn: 'nobody', final: false }],
    ['rejected', { step: 1, waitingOn: 'nobody', final: true }],
    ['withdrawn', { step: 1, waitingOn: 'nobody', final: true }],
  ];
  const program: Array<[string, StepInfo]> = [
    ['draft', { step: 2, waitingOn: 'admin', final: false }],
    ['submitted', { step: 2, waitingOn: 'staff', final: false }],
    ['changesRequested', { step: 2, waitingOn: 'admin', final: false }],
    ['rejected', { step: 2, waitingOn: 'nobody', final: true }],
    ['approved.awaitingSession', { step: 3, waitingOn: 'admin', final: false }],
    ['approved.sessionBooked', { step: 3, waitingOn: 'admin', final: false }],
    ['accessRequested', { step: 3, waitingOn: 'staff', final: false }],
    ['accessDeclined', { step: 3, waitingOn: 'admin', final: false }],
    ['awaitingPlatformRegistration', { step: 4, waitingOn: 'admin', final: false }],
    ['onboarded', { step: 4, waitingOn: 'nobody', final: true }],
    ['withdrawn', { step: 2, waitingOn: 'nobody', final: true }],
  ];

  it.each(organization)('organization %s → %o', (key, info) => {
    expect(stepOf('organization', key)).toEqual(info);
    expect(isFinal('organization', key)).toBe(info.final);
  });

  it.each(program)('program %s → %o', (key, info) => {
    expect(stepOf('program', key)).toEqual(info);
    expect(isFinal('program', key)).toBe(info.final);
  });

  it('covers exactly the leaf states of each machine, finality included', () => {
    expect(organization.map(([key]) => key).sort()).toEqual(leafKeys(organizationMachine));
    expect(program.map(([key]) => key).sort()).toEqual(leafKeys(programMachine));
    for (const node of allStateNodes(programMachine).filter((n) => n.type === 'final' || n.type === 'atomic')) {
      expect(isFinal('program', node.path.join('.'))).toBe(node.type === 'final');
    }
    for (const node of allStateNodes(organizationMachine).filter((n) => n.type === 'final' || n.type === 'atomic')) {
      expect(isFinal('organization', node.path.join('.'))).toBe(node.type === 'final');
    }
  });

  it('accepts state values as well as keys', () => {
    expect(stepOf('program', { approved: 'awaitingSession' })).toEqual({ step: 3, waitingOn: 'admin', final: false });
  });

  it.each([
    ['organization', 'approved'],
    ['program', 'active'],
    ['program', 'approved'],
    ['program', 'toString'],
  ] as const)('throws a RangeError for %s state %j', (kind, key) => {
    expect(() => stepOf(kind, key)).toThrow(RangeError);
  });
});

describe('programApprovedIn', () => {
  it('agrees with the programApproved params the machine gives its access gate in each state', () => {
    let checked = 0;
    for (const node of allStateNodes(programMachine)) {
      if (node.type !== 'atomic' && node.type !== 'final') continue;
      // What the state and its parents say in their transitions' params, if anything.
      const said = new Set<boolean>();
      for (let n: typeof node | undefined = node; n; n = n.parent) {
        for (const m of JSON.stringify(n.config.on ?? {}).matchAll(/"programApproved":(true|false)/g)) said.add(m[1] === 'true');
      }
      const key = node.path.join('.');
      if (said.size === 0) continue;
      expect([...said], key).toEqual([programApprovedIn(key)]);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(3);
    expect(programApprovedIn('approved.sessionBooked')).toBe(true);
    expect(programApprovedIn('submitted')).toBe(false);
  });
});
