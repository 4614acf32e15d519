/** Progress lines in tqdm's default format, as ComfyUI's samplers print them to stderr. */

const BAR_WIDTH = 10;
const BAR_CHARS = " ▏▎▍▌▋▊▉█";

function formatInterval(seconds: number): string {
  const whole = Math.floor(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  const pad = (value: number): string => String(value).padStart(2, "0");
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(secs)}` : `${pad(minutes)}:${pad(secs)}`;
}

function formatBar(fraction: number): string {
  const symbols = BAR_CHARS.length - 1;
  const units = Math.floor(fraction * BAR_WIDTH * symbols);
  const full = Math.floor(units / symbols);
  const partial = units % symbols;
  if (full >= BAR_WIDTH) {
    return BAR_CHARS.charAt(symbols).repeat(BAR_WIDTH);
  }
  return BAR_CHARS.charAt(symbols).repeat(full) + BAR_CHARS.charAt(partial) + " ".repeat(BAR_WIDTH - full - 1);
}

/** Python's `round()` for percentages: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (Math.abs(diff - 0.5) < 1e-9) {
    return floor % 2 === 0 ? floor : floor + 1;
  }
  return Math.round(value);
}

/**
 * Formats one tqdm line without the leading `\r`, e.g.
 * ` 35%|███▌      | 7/20 [00:01<00:02,  5.00it/s]`.
 */
export function formatProgressLine(done: number, total: number, elapsedSeconds: number): string {
  const fraction = total > 0 ? Math.min(done / total, 1) : 0;
  const percent = String(roundHalfEven(fraction * 100)).padStart(3, " ");
  const rate = done > 0 && elapsedSeconds > 0 ? done / elapsedSeconds : null;

  let rateText = "?it/s";
  if (rate !== null) {
    rateText = rate < 1 ? `${(1 / rate).toFixed(2).padStart(5, " ")}s/it` : `${rate.toFixed(2).padStart(5, " ")}it/s`;
  }
  const remaining = rate === null ? "?" : formatInterval((total - done) / rate);
  return `${percent}%|${formatBar(fraction)}| ${done}/${total} [${formatInterval(elapsedSeconds)}<${remaining}, ${rateText}]`;
}
