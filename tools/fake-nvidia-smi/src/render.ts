/** Text output in nvidia-smi's formats: CSV query rows, the `-L` list and a short summary table. */
import type { CsvFormat } from "./args.js";
import type { FieldSpec } from "./fields.js";
import { headerCell } from "./fields.js";
import type { Preset, PresetGpu, Reading } from "./preset.js";
import { ExitError } from "./preset.js";

const NOT_AVAILABLE = "[N/A]";

/** Keeps the GPUs named by `-i` (index, UUID or PCI bus id); nvidia-smi exits 6 when one matches nothing. */
export function selectGpus(preset: Preset, ids: string[] | null): PresetGpu[] {
  if (ids === null) {
    return preset.gpus;
  }
  return ids.map((id) => {
    const gpu = preset.gpus.find(
      (candidate) => String(candidate.index) === id || candidate.uuid === id || candidate["pci.bus_id"] === id,
    );
    if (gpu === undefined) {
      throw new ExitError("No devices were found\n", 6, true);
    }
    return gpu;
  });
}

/** Formats a timestamp as nvidia-smi does: `2024/05/01 13:45:07.123`, local time. */
export function formatTimestamp(date: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, "0");
  const day = `${date.getFullYear()}/${pad(date.getMonth() + 1)}/${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  return `${day} ${time}`;
}

function reading(spec: FieldSpec, gpu: PresetGpu, preset: Preset, now: Date): Reading {
  switch (spec.name) {
    case "timestamp":
      return formatTimestamp(now);
    case "driver_version":
      return preset.driver_version;
    case "count":
      return preset.gpus.length;
    case "memory.free": {
      // Presets carry used and total; free follows from them unless a preset sets it.
      const total = gpu["memory.total"];
      const used = gpu["memory.used"];
      return gpu["memory.free"] ?? (typeof total === "number" && typeof used === "number" ? total - used : NOT_AVAILABLE);
    }
    default:
      return gpu[spec.name] ?? NOT_AVAILABLE;
  }
}

function formatReading(spec: FieldSpec, value: Reading, format: CsvFormat): string {
  if (typeof value === "string") {
    return value;
  }
  const number = value.toFixed(spec.decimals);
  return format.units && spec.unit !== null ? `${number} ${spec.unit}` : number;
}

/** Renders one sample of `--query-gpu`: one CSV row per GPU, cells joined by ", " as nvidia-smi does. */
export function renderQueryRows(specs: readonly FieldSpec[], gpus: readonly PresetGpu[], preset: Preset, format: CsvFormat, now: Date): string {
  return gpus
    .map((gpu) => specs.map((spec) => formatReading(spec, reading(spec, gpu, preset, now), format)).join(", ") + "\n")
    .join("");
}

/** Renders the CSV header line; units stay in it even with `nounits`. */
export function renderQueryHeader(specs: readonly FieldSpec[]): string {
  return specs.map(headerCell).join(", ") + "\n";
}

/** Renders `nvidia-smi -L`: `GPU 0: NAME (UUID: GPU-…)`. */
export function renderList(gpus: readonly PresetGpu[]): string {
  return gpus.map((gpu) => `GPU ${gpu.index}: ${gpu.name} (UUID: ${gpu.uuid})\n`).join("");
}

function withUnit(value: Reading | undefined, unit: string, decimals = 0): string {
  if (value === undefined) {
    return "N/A";
  }
  return typeof value === "number" ? `${value.toFixed(decimals)}${unit}` : value.replace(/^\[|\]$/g, "");
}

// Inner width of the summary table: the six padded columns below, their separators and margins.
const TABLE_WIDTH = 86;

function tableRow(cells: [string, string, string, string, string, string]): string {
  const [index, name, temperature, power, memory, utilization] = cells;
  const row = [index.padStart(3), name.padEnd(30), temperature.padStart(5), power.padStart(16), memory.padStart(20), utilization.padStart(5)].join(" ");
  return `| ${row}`.padEnd(TABLE_WIDTH + 1) + "|\n";
}

/** Renders plain `nvidia-smi`: a short summary table, simpler than the real box drawing. */
export function renderTable(preset: Preset, gpus: readonly PresetGpu[], now: Date): string {
  const rule = "+" + "-".repeat(TABLE_WIDTH) + "+\n";
  const lines = [
    now.toString() + "\n",
    rule,
    `| NVIDIA-SMI (fake)   Driver Version: ${preset.driver_version}   CUDA Version: ${preset.cuda_version}`.padEnd(TABLE_WIDTH + 1) + "|\n",
    rule,
    tableRow(["GPU", "Name", "Temp", "Power / Cap", "Memory-Usage", "Util"]),
  ];
  for (const gpu of gpus) {
    const power = `${withUnit(gpu["power.draw"], "W")} / ${withUnit(gpu["power.limit"], "W")}`;
    const memory = `${withUnit(gpu["memory.used"], "MiB")} / ${withUnit(gpu["memory.total"], "MiB")}`;
    lines.push(
      tableRow([
        String(gpu.index),
        gpu.name.slice(0, 30),
        withUnit(gpu["temperature.gpu"], "C"),
        power,
        memory,
        withUnit(gpu["utilization.gpu"], "%"),
      ]),
    );
  }
  lines.push(rule);
  return lines.join("");
}
