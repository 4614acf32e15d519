import { open } from "node:fs/promises";

/** File kind detected from the first bytes. */
export type Sniffed = "safetensors" | "gguf" | "html" | "json" | "zip" | "pickle" | "unknown";

/**
 * Classifies the first bytes of a download. safetensors starts with an 8-byte little-endian
 * header length followed by `{`; GGUF with the ASCII magic `GGUF`; PyTorch files are zip or
 * raw pickle (protocol marker 0x80). HTML and JSON error pages are recognised so they never
 * pass as weights.
 */
export function sniff(head: Buffer, fileSize: number): Sniffed {
  if (head.length >= 4 && head.subarray(0, 4).toString("latin1") === "GGUF") {
    return "gguf";
  }
  if (head.length >= 9 && head[8] === 0x7b) {
    const headerLength = head.readBigUInt64LE(0);
    if (headerLength > 1n && headerLength + 8n <= BigInt(fileSize)) {
      return "safetensors";
    }
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) {
    return "zip";
  }
  if (head.length >= 2 && head[0] === 0x80 && (head[1] ?? 0) <= 5) {
    return "pickle";
  }
  const text = head.subarray(0, 512).toString("utf8").trimStart().toLowerCase();
  if (text.startsWith("<!doctype") || text.startsWith("<html") || text.startsWith("<?xml") || text.startsWith("<")) {
    return "html";
  }
  if (text.startsWith("{") || text.startsWith("[")) {
    return "json";
  }
  return "unknown";
}

/** Checks whether the sniffed kind is acceptable for a file with this name. */
export function matchesExtension(fileName: string, kind: Sniffed): boolean {
  const lower = fileName.toLowerCase();
  if (kind === "html" || kind === "json") {
    return false;
  }
  if (lower.endsWith(".safetensors") || lower.endsWith(".sft")) {
    return kind === "safetensors";
  }
  if (lower.endsWith(".gguf")) {
    return kind === "gguf";
  }
  return true;
}

/** Reads the first `length` bytes of a file. */
export async function readHead(path: string, length = 4096): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
