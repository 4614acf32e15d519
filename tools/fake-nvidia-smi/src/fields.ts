/** The `--query-gpu` fields this stand-in supports, with the units real nvidia-smi prints for them. */

/** Print settings of one query field. */
export interface FieldSpec {
  /** The canonical name, used in headers and as the preset key. */
  name: string;
  /** Other names nvidia-smi accepts for the same field, e.g. `gpu_name` for `name`. */
  aliases: readonly string[];
  /** Unit shown in the header (`memory.used [MiB]`) and after values unless `nounits`. */
  unit: "%" | "MiB" | "W" | "MHz" | null;
  /** Digits after the decimal point for numbers: nvidia-smi prints watts as `212.40`. */
  decimals: 0 | 2;
}

function field(name: string, unit: FieldSpec["unit"] = null, aliases: readonly string[] = []): FieldSpec {
  return { name, aliases, unit, decimals: unit === "W" ? 2 : 0 };
}

/**
 * A subset of `nvidia-smi --help-query-gpu` (driver 550). Fields listed here but absent
 * from a preset print `[N/A]`; fields not listed are rejected the way nvidia-smi rejects them.
 */
export const FIELDS: readonly FieldSpec[] = [
  field("timestamp"),
  field("driver_version"),
  field("count"),
  field("name", null, ["gpu_name"]),
  field("serial", null, ["gpu_serial"]),
  field("uuid", null, ["gpu_uuid"]),
  field("pci.bus_id", null, ["gpu_bus_id"]),
  field("index"),
  field("vbios_version"),
  field("persistence_mode"),
  field("pstate"),
  field("fan.speed", "%"),
  field("utilization.gpu", "%"),
  field("utilization.memory", "%"),
  field("temperature.gpu"),
  field("temperature.memory"),
  field("power.draw", "W"),
  field("power.limit", "W"),
  field("enforced.power.limit", "W"),
  field("power.default_limit", "W"),
  field("power.max_limit", "W"),
  field("memory.total", "MiB"),
  field("memory.reserved", "MiB"),
  field("memory.used", "MiB"),
  field("memory.free", "MiB"),
  field("compute_cap"),
  field("clocks.current.graphics", "MHz", ["clocks.gr"]),
  field("clocks.current.sm", "MHz", ["clocks.sm"]),
  field("clocks.current.memory", "MHz", ["clocks.mem"]),
];

const byName = new Map<string, FieldSpec>();
for (const spec of FIELDS) {
  byName.set(spec.name, spec);
  for (const alias of spec.aliases) {
    byName.set(alias, spec);
  }
}

/** Looks up a field by its canonical name or an alias; `undefined` when nvidia-smi would reject it. */
export function findField(name: string): FieldSpec | undefined {
  return byName.get(name);
}

/** Returns the header cell for a field, e.g. `power.draw [W]`; `nounits` keeps the units here, as nvidia-smi does. */
export function headerCell(spec: FieldSpec): string {
  return spec.unit === null ? spec.name : `${spec.name} [${spec.unit}]`;
}
