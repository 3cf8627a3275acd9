/**
 * Model-based checks shared by both machines, built on @xstate/graph.
 *
 * The traversal sends every sample event in every reachable state. Snapshots are
 * told apart by `project` (state value, status and whatever context the guards
 * read), not by full context: counters such as `submissions` would otherwise make
 * the graph infinite (submit → request changes → submit …).
 *
 * The helpers serve both machines, so they use xstate's `AnyStateMachine` /
 * `AnyMachineSnapshot` (context and events loosely typed); the per-machine unit
 * tests are the fully typed ones.
 */
import { getAdjacencyMap, getShortestPaths, getStateNodes } from '@xstate/graph';
import {
  createActor,
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type EventObject,
  type Snapshot,
} from 'xstate';
import { stateKey } from '../../src/machine/index.ts';

export interface ModelOptions {
  machine: AnyStateMachine;
  input: unknown;
  /** Sample payloads; include guard-passing and guard-failing variants. */
  events: EventObject[];
  /** What makes two snapshots behave differently. */
  project: (snapshot: AnyMachineSnapshot) => unknown;
}

/** A stable name for a transition of the machine definition. */
export function transitionName(t: AnyTransitionDefinition): string {
  const siblings: readonly AnyTransitionDefinition[] = t.source.transitions.get(t.eventType) ?? [];
  const targets = t.target?.map((node) => node.id).join(',') ?? '(stays)';
  return `${t.source.id} —${t.eventType}#${siblings.indexOf(t)}→ ${targets}`;
}

/** All state nodes, root included. */
export function allStateNodes(machine: AnyStateMachine) {
  return [machine.root, ...getStateNodes(machine.root)];
}

/** Every transition written in the machine definition (event type × source node × candidate). */
export function definedTransitions(machine: AnyStateMachine): string[] {
  return allStateNodes(machine)
    .flatMap((node) => [...node.transitions.values()].flat())
    .map(transitionName)
    .sort();
}

/** Ids of the state nodes active in a snapshot, derived from its (non-parallel) value. */
export function activeNodeIds(machine: AnyStateMachine, value: Parameters<typeof stateKey>[0]): string[] {
  const parts = stateKey(value).split('.');
  return [machine.id, ...parts.map((_, i) => `${machine.id}.${parts.slice(0, i + 1).join('.')}`)];
}

export function explore(options: ModelOptions) {
  const { machine, input, events, project } = options;
  const serializeState = (snapshot: AnyMachineSnapshot) => JSON.stringify(project(snapshot));
  const traversal = { input, events, serializeState, limit: 10_000 };
  const adjacency = getAdjacencyMap(machine, traversal);
  const snapshots: AnyMachineSnapshot[] = Object.values(adjacency).map((entry) => entry.state);
  const paths = getShortestPaths(machine, traversal);
  return { snapshots, paths, serializeState };
}

/** Replays events from the initial snapshot with the pure `transition()`. */
export function replay(
  machine: AnyStateMachine,
  input: unknown,
  events: readonly EventObject[],
): AnyMachineSnapshot {
  let [snapshot] = initialTransition(machine, input);
  for (const event of events) [snapshot] = transition(machine, snapshot, event);
  return snapshot;
}

/** JSON round trip of the persisted snapshot, restored as a host would. */
export function roundTrip(machine: AnyStateMachine, input: unknown, snapshot: AnyMachineSnapshot) {
  const json = JSON.stringify(machine.getPersistedSnapshot(snapshot));
  const persisted: Snapshot<unknown> = JSON.parse(json);
  // xstate's types want `input` even when restoring; it is ignored in favour of the snapshot.
  const restored: AnyMachineSnapshot = createActor(machine, { snapshot: persisted, input }).getSnapshot();
  return { json, restored };
}

/** What a host sees of one step: the persisted next snapshot and the effects (type + params). */
export function outcome(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject) {
  const [next, actions] = transition(machine, snapshot, event);
  return {
    next: JSON.stringify(machine.getPersistedSnapshot(next)),
    actions: actions.map(({ type, params }) => ({ type, params })),
  };
}
