/** Step progress parsed from a tqdm bar such as ` 35%|███▌      | 7/20 [00:01<00:02,  5.12it/s]`. */
export interface StepProgress {
  value: number;
  max: number;
}

// tqdm redraws with `\r`, so one log entry may hold several states of the bar; the last wins.
const TQDM_BAR = /(\d{1,3})%\|[^|\r\n]*\|\s*(\d+)\/(\d+)/g;

/** Returns the last tqdm state in `text`, or null when it holds none. */
export function parseTqdm(text: string): StepProgress | null {
  let last: StepProgress | null = null;
  for (const match of text.matchAll(TQDM_BAR)) {
    const value = Number(match[2]);
    const max = Number(match[3]);
    if (max > 0 && value <= max) {
      last = { value, max };
    }
  }
  return last;
}
