/**
 * Work that outlives the HTTP request that started it: a Slack event is acknowledged at
 * once and its turn runs after the response; a Web Chat message likewise. On shutdown the
 * app waits for these before it closes the database, so a deploy or a scale-down never cuts
 * a turn in half (the answer recorded but never confirmed, or the reply never sent).
 */
export class WorkTracker {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `work`, counted until it settles. Its result and errors pass through unchanged. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  get size(): number {
    return this.running.size;
  }

  /**
   * Resolves once nothing runs (including work started meanwhile), or after `timeoutMs`.
   * True when everything finished.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, left)));
      await Promise.race([Promise.allSettled([...this.running]), late]);
      clearTimeout(timer);
    }
    return true;
  }
}
