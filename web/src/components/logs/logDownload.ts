import type { LogEntry } from "@comfycarry/shared";

/** Returns the entries as JSON lines, oldest first, the way the reporter wrote them. */
export function entriesAsJsonLines(entries: readonly LogEntry[]): string {
  return [...entries].reverse().map((entry) => JSON.stringify(entry)).join("\n") + "\n";
}

/** Saves `text` as a file through a temporary object URL. */
export function saveText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
