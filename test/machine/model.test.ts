import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import {
  isFinal,
  organizationMachine,
  programMachine,
  stateKey,
  stepOf,
  type MachineKind,
  type OrganizationEvent,
  type ProgramEvent,
} from '../../src/machine/index.ts';
import { org, organizationInput, prog, programInput } from './fixtures.ts';
import {
  activeNodeIds,
  allStateNodes,
  definedTransitions,
  explore,
  outcome,
  replay,
  roundTrip,
  transitionName,
  type ModelOptions,
} from './model.ts';

const organizationEvents: OrganizationEvent[] = [
  org.submitted(),
  org.approved(),
  org.rejected(),
  org.rejected({ reason: ' ' }),
  org.changesRequested(),
  org.changesRequested({ reason: '' }),
  org.activated(),
  org.activationResent(),
  org.withdrew(),
  org.withdrew({ reason: 'Closing down' }),
];

const programEvents: ProgramEvent[] = [
  prog.submitted({ organizationActive: true }),
  prog.submitted({ organizationActive: false }),
  prog.approved(),
  prog.rejected(),
  prog.rejected({ reason: '' }),
  prog.changesRequested(),
  prog.changesRequested({ reason: '  ' }),
  prog.sessionBooked({ bookingId: 'booking-1' }),
  prog.sessionMoved({ bookingId: 'booking-2' }),
  prog.sessionCancelled({ bookingId: 'booking-1' }),
  prog.sessionCancelled({ bookingId: 'booking-2' }),
  prog.accessRequested({ organizationActive: true }),
  prog.accessRequested({ organizationActive: false }),
  prog.accessGranted(),
  prog.accessDeclined(),
  prog.accessDeclined({ reason: '' }),
  prog.platformRegistered(),
  prog.platformEmailResent(),
  prog.withdrew(),
  prog.withdrew({ reason: 'Program cancelled' }),
];

function modelSuite(kind: MachineKind, options: ModelOptions) {
  const { machine, input, events } = options;
  const { snapshots, paths, serializeState } = explore(options);
  const active = snapshots.filter((snapshot) => snapshot.status === 'active');

  describe(`${kind} machine model`, () => {
    it('has no timers, invocations or eventless transitions (snapshots must restore exactly)', () => {
      for (const node of allStateNodes(machine)) {
        expect(node.after, node.id).toEqual([]);
        expect(node.invoke, node.id).toEqual([]);
        expect(node.always ?? [], node.id).toEqual([]);
      }
    });

    it('reaches every state node', () => {
      const reached = new Set(snapshots.flatMap((snapshot) => activeNodeIds(machine, snapshot.value)));
      expect([...reached].sort()).toEqual(allStateNodes(machine).map((node) => node.id).sort());
    });

    it('exercises every transition of the definition (event type × source state × guard branch)', () => {
      const exercised = new Set(
        active.flatMap((snapshot) =>
          events.flatMap((event) => machine.getTransitionData(snapshot, event).map(transitionName)),
        ),
      );
      expect([...exercised].sort()).toEqual(definedTransitions(machine));
    });

    it('leaves the snapshot untouched, with no actions, when no transition is enabled', () => {
      for (const snapshot of snapshots) {
        for (const event of events) {
          if (snapshot.status === 'active' && machine.getTransitionData(snapshot, event).length > 0) continue;
          const [next, actions] = transition(machine, snapshot, event);
          expect(next).toBe(snapshot);
          expect(actions).toEqual([]);
        }
      }
    });

    it('maps every reachable state to a step and agrees with the definition on finality', () => {
      for (const snapshot of snapshots) {
        const { step, final } = stepOf(kind, snapshot.value);
        expect([1, 2, 3, 4]).toContain(step);
        expect(final).toBe(snapshot.status === 'done');
        expect(isFinal(kind, stateKey(snapshot.value))).toBe(final);
      }
    });

    it('shortest paths replayed with transition() reach the same snapshots', () => {
      expect(paths.length).toBe(snapshots.length);
      for (const path of paths) {
        // Step 0 is the synthetic `xstate.init`; each later step carries the event that led to it.
        const replayed = replay(machine, input, path.steps.slice(1).map((step) => step.event));
        // Equal as the model sees them; contexts may differ in what `project` leaves out.
        expect(serializeState(replayed)).toBe(serializeState(path.state));
      }
    });

    it('every reachable snapshot survives a JSON round trip and behaves the same afterwards', () => {
      for (const snapshot of snapshots) {
        const { json, restored } = roundTrip(machine, input, snapshot);
        expect(JSON.stringify(machine.getPersistedSnapshot(restored))).toBe(json);
        expect(restored.value).toEqual(snapshot.value);
        expect(restored.status).toBe(snapshot.status);
        for (const event of events) {
          expect(outcome(machine, restored, event), `${stateKey(snapshot.value)} + ${event.type}`).toEqual(
            outcome(machine, snapshot, event),
          );
        }
      }
    });
  });
}

modelSuite('organization', {
  machine: organizationMachine,
  input: organizationInput(),
  events: organizationEvents,
  project: (snapshot) => ({ value: snapshot.value, status: snapshot.status }),
});

modelSuite('program', {
  machine: programMachine,
  input: programInput(),
  events: programEvents,
  // The gate and `isCurrentBooking` read the booking; the refusal is what the admin is told.
  project: (snapshot) => ({
    value: snapshot.value,
    status: snapshot.status,
    booking: snapshot.context.sessionBookingId,
    refused: snapshot.context.lastRefusal?.missing ?? null,
  }),
});
