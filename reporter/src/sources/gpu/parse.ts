/** Turning `nvidia-smi --query-gpu` CSV rows into the protocol's `Gpu` objects. */
import type { Gpu } from "@comfycarry/shared";
import { gpuSchema, parseValue } from "@comfycarry/shared";

/** The query fields, in the order the row parser expects them. */
export const GPU_QUERY_FIELDS = [
  "index",
  "name",
  "uuid",
  "utilization.gpu",
  "temperature.gpu",
  "power.draw",
  "power.limit",
  "memory.used",
  "memory.total",
  "compute_cap",
] as const;

const MIB = 1024 * 1024;

/** Returns whether a cell is one of nvidia-smi's placeholders: `[N/A]`, `[Not Supported]`, `[Unknown Error]`, plain `N/A`. */
function isPlaceholder(cell: string): boolean {
  return cell === "N/A" || (cell.startsWith("[") && cell.endsWith("]"));
}

/** Reads a numeric cell: null for a placeholder, undefined when the text is not a number. */
function readNumber(cell: string): number | null | undefined {
  if (isPlaceholder(cell)) {
    return null;
  }
  const value = Number(cell);
  return cell !== "" && Number.isFinite(value) ? value : undefined;
}

function readText(cell: string): string | null {
  return isPlaceholder(cell) ? null : cell;
}

function toBytes(mib: number | null | undefined): number | null | undefined {
  return typeof mib === "number" ? mib * MIB : mib;
}

/**
 * Parses one row printed with `--format=csv,noheader,nounits` for `GPU_QUERY_FIELDS`.
 * Returns null for anything else (an error message, a header, a truncated row), so the
 * caller can keep such lines for its diagnostics.
 */
export function parseGpuRow(line: string): Gpu | null {
  const cells = line.split(",").map((cell) => cell.trim());
  if (cells.length !== GPU_QUERY_FIELDS.length) {
    return null;
  }

  const [index = "", name = "", uuid = "", utilization = "", temperature = "", draw = "", limit = "", used = "", total = "", computeCap = ""] = cells;

  // A cell that is not a number stays undefined, which the schema below rejects.
  const candidate = {
    index: readNumber(index),
    name,
    uuid: readText(uuid),
    utilization_percent: readNumber(utilization),
    temperature_c: readNumber(temperature),
    power_draw_w: readNumber(draw),
    power_limit_w: readNumber(limit),
    memory_used_bytes: toBytes(readNumber(used)),
    memory_total_bytes: toBytes(readNumber(total)),
    compute_capability: readText(computeCap),
  };
  const parsed = parseValue(gpuSchema, candidate);
  return parsed.ok ? parsed.value : null;
}
