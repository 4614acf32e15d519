/** Named timeouts and intervals, so a connection can clear its own and keep others alive. */
export class NamedTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** Runs `run` once after `delayMs`, replacing a timer of the same name. */
  once(name: string, delayMs: number, run: () => void): void {
    this.clear(name);
    this.#timers.set(name, setTimeout(run, delayMs));
  }

  /** Runs `run` every `delayMs`, replacing a timer of the same name. */
  every(name: string, delayMs: number, run: () => void): void {
    this.clear(name);
    this.#timers.set(name, setInterval(run, delayMs));
  }

  clear(name: string): void {
    const timer = this.#timers.get(name);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(name);
    }
  }

  /** Clears every timer except those named in `keep`. */
  clearAll(keep: string[] = []): void {
    for (const name of [...this.#timers.keys()]) {
      if (!keep.includes(name)) {
        this.clear(name);
      }
    }
  }
}
