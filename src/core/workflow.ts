import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import {
  ORGANIZATION_MACHINE_VERSION,
  PROGRAM_MACHINE_VERSION,
  organizationMachine,
  programMachine,
  stateKey,
  stepOf,
  type OrganizationEvent,
  type ProgramEvent,
} from '../machine/index.ts';
import type { EntityKind, JsonObject, WorkflowRecord } from '../store/store.ts';

/**
 * Steps the pure machines over stored snapshots. `transition()` returns the next snapshot
 * and the effects as action objects without running them: the caller persists the
 * snapshot and turns the actions into outbox rows in one transaction (style.md §2).
 */

export type MachineEvent = OrganizationEvent | ProgramEvent;
export type MachineAction = { type: string; params?: Record<string, unknown> };

/** Effects the host implements; anything else a transition returns is internal bookkeeping. */
const HOST_ACTIONS = new Set([
  'notifyStaff',
  'notifyAdmin',
  'queueActivationEmail',
  'queueDecisionEmail',
  'queueProgramApprovedEmail',
  'provisionPlatformAccount',
  'queuePlatformEmail',
  'recordAccessRefusal',
  'recordWithdrawal',
]);

const machines = { organization: organizationMachine, program: programMachine } as const;
const versions = { organization: ORGANIZATION_MACHINE_VERSION, program: PROGRAM_MACHINE_VERSION } as const;

export type StepResult = {
  record: WorkflowRecord;
  actions: MachineAction[];
  /** The state value or context changed (false: the event was ignored). */
  changed: boolean;
  from: string;
  to: string;
  context: Record<string, unknown>;
};

function toRecord(kind: EntityKind, entityId: string, snapshot: AnyMachineSnapshot, version: number): WorkflowRecord {
  const key = stateKey(snapshot.value);
  const info = stepOf(kind, snapshot.value);
  const persisted = machines[kind].getPersistedSnapshot(snapshot as never) as unknown as JsonObject;
  const context = snapshot.context as { enteredAt: string };
  return {
    entityId,
    kind,
    machineVersion: versions[kind],
    snapshot: JSON.parse(JSON.stringify(persisted)) as JsonObject,
    stateKey: key,
    step: info.step,
    waitingOn: info.waitingOn,
    enteredAt: new Date(context.enteredAt),
    version,
  };
}

export function initialWorkflow(
  kind: EntityKind,
  input: { entityId: string; organizationId: string; createdAt: Date },
): WorkflowRecord {
  const createdAt = input.createdAt.toISOString();
  const [snapshot] =
    kind === 'organization'
      ? initialTransition(organizationMachine, { organizationId: input.entityId, createdAt })
      : initialTransition(programMachine, { programId: input.entityId, organizationId: input.organizationId, createdAt });
  return toRecord(kind, input.entityId, snapshot, 0);
}

function restore(record: WorkflowRecord): AnyMachineSnapshot {
  if (record.machineVersion !== versions[record.kind]) {
    // No migration exists yet between machine versions; refusing beats guessing.
    throw new Error(`snapshot of ${record.kind} ${record.entityId} is version ${record.machineVersion}`);
  }
  const persisted = record.snapshot as { value: never; context: never };
  return machines[record.kind].resolveState({ value: persisted.value, context: persisted.context }) as AnyMachineSnapshot;
}

export function contextOf(record: WorkflowRecord): Record<string, unknown> {
  return (record.snapshot as { context?: Record<string, unknown> }).context ?? {};
}

export function stepWorkflow(record: WorkflowRecord, event: MachineEvent): StepResult {
  const current = restore(record);
  const [next, actions] = transition(machines[record.kind] as never, current as never, event as never) as [
    AnyMachineSnapshot,
    MachineAction[],
  ];
  const nextRecord = toRecord(record.kind, record.entityId, next, record.version);
  return {
    record: nextRecord,
    actions: actions.filter((a) => HOST_ACTIONS.has(a.type)),
    // Compare what the machine owns (state and context), not the serialised wrapper.
    changed: stateKey(next.value) !== record.stateKey || JSON.stringify(next.context) !== JSON.stringify(contextOf(record)),
    from: record.stateKey,
    to: nextRecord.stateKey,
    context: next.context as Record<string, unknown>,
  };
}
