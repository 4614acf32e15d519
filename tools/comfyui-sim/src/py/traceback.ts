/** Python-looking traceback entries (`traceback.format_tb` items) for simulated exceptions. */

export interface Frame {
  file: string;
  line: number;
  func: string;
  code: string;
}

export function formatFrames(frames: Frame[]): string[] {
  return frames.map((frame) => `  File "${frame.file}", line ${frame.line}, in ${frame.func}\n    ${frame.code}\n`);
}

/** Formats the text `traceback.format_exc()` prints for an exception. */
export function formatException(frames: Frame[], type: string, message: string): string {
  return `Traceback (most recent call last):\n${formatFrames(frames).join("")}${type}: ${message}\n`;
}
