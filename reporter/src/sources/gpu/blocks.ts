/** Grouping the rows of a looping nvidia-smi into one sample per interval. */
import type { Gpu } from "@comfycarry/shared";

/**
 * Collects GPU rows into samples. nvidia-smi prints no separator between loop
 * iterations, so a sample ends when the GPU index stops rising (the next iteration
 * starts again at its first GPU) or when no row has arrived for `settleMs`.
 * The quiet-time rule publishes each sample without waiting for the next one. Once a sample
 * is known, a row with the same count and last index closes the next one at once, so a
 * steady loop arms no timer: each wake-up costs an idle reporter more than parsing the row.
 * A GPU that appears later makes that sample close one row early. Its row then reopens the
 * sample just published, so no sample lists the new GPU without the ones before it.
 */
export class SampleAssembler {
  #rows: Gpu[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Row count and last GPU index of the last published sample. */
  #lastShape: { count: number; lastIndex: number } | null = null;
  /** The last sample, when it was closed by its known shape and a later row may extend it. */
  #closedEarly: Gpu[] | null = null;

  constructor(
    private readonly onSample: (gpus: Gpu[]) => void,
    private readonly settleMs: number,
  ) {}

  /** Adds one parsed row, closing the current sample first when the index restarts. */
  push(gpu: Gpu): void {
    const last = this.#rows.at(-1);
    if (last !== undefined && gpu.index <= last.index) {
      this.flush();
    }
    const earlySample = this.#closedEarly;
    this.#closedEarly = null;
    if (this.#rows.length === 0 && earlySample !== null && gpu.index > (earlySample.at(-1)?.index ?? -1)) {
      this.#rows = [...earlySample];
    }

    this.#rows.push(gpu);
    clearTimeout(this.#timer);
    if (this.#lastShape !== null && this.#rows.length === this.#lastShape.count && gpu.index === this.#lastShape.lastIndex) {
      const rows = this.#rows;
      this.flush();
      this.#closedEarly = rows;
      return;
    }
    this.#timer = setTimeout(() => this.flush(), this.settleMs);
  }

  /** Publishes the rows collected so far, if any, as one sample. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#rows.length === 0) {
      return;
    }
    const rows = this.#rows;
    this.#rows = [];
    this.#lastShape = { count: rows.length, lastIndex: rows.at(-1)?.index ?? -1 };
    this.onSample(rows);
  }

  /** Drops collected rows and the pending timer without publishing. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#rows = [];
    this.#lastShape = null;
    this.#closedEarly = null;
  }
}
