/** Runs at most `size` tasks at a time; the rest wait in arrival order. */
export class Semaphore {
  readonly #size: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#size = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#size) {
      // A finishing task hands its slot straight to the next waiter, so a newcomer cannot take it in between.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) {
        this.#active -= 1;
      } else {
        next();
      }
    }
  }
}
