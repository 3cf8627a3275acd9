import type { OnboardingStore, StoreTx } from '../../src/store/store.ts';

/**
 * A store that stops one transaction in the middle, so a test can let another command
 * commit at an exact point of it and then let it go on. It wraps a real store through
 * the `OnboardingStore` interface (a decorator handed to the service, not a patch).
 *
 * The pause comes after the transaction's `pauseAfterRead`-th read, and only while that
 * transaction has written nothing yet: once it has written, it may hold locks that the
 * other command waits for, and pausing there would deadlock the test.
 */
export type PausingStore = {
  readonly store: OnboardingStore;
  /** Resolves when the transaction reached the pause (never, if it had fewer reads). */
  readonly paused: Promise<void>;
  /** Lets the paused transaction go on. */
  release(): void;
};

const READS = /^(get|find|latest|list|count|search|history|entitiesBy|organizationsOf|programsOf|identitiesOf|draftsOf|activeBooking|platformAccountOf)/;

export function pausingStore(inner: OnboardingStore, pauseAfterRead: number): PausingStore {
  let reads = 0;
  let armed = true;
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  const wrapTx = (tx: StoreTx): StoreTx => {
    let wrote = false;
    return new Proxy(tx, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!READS.test(prop)) wrote = true;
          else if (armed && !wrote && ++reads === pauseAfterRead) {
            armed = false;
            reached();
            await released;
          }
          return result;
        };
      },
    });
  };

  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return <T>(fn: (tx: StoreTx) => Promise<T>) => target.transaction((tx) => fn(wrapTx(tx)));
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, paused, release };
}
