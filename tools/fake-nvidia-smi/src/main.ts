/** Entry point of the fake nvidia-smi: parses argv, then prints once or once per loop interval. */
import { setTimeout as sleep } from "node:timers/promises";

import type { Command } from "./args.js";
import { parseArgs } from "./args.js";
import type { FieldSpec } from "./fields.js";
import { findField } from "./fields.js";
import type { Preset } from "./preset.js";
import { ExitError, loadPreset } from "./preset.js";
import { renderList, renderQueryHeader, renderQueryRows, renderTable, selectGpus } from "./render.js";

const VERSION = "fake-nvidia-smi 0.1.0 (stands in for NVIDIA System Management Interface)";

const HELP = `Usage: nvidia-smi [options]   (fake: reads GPU presets, see tools/fake-nvidia-smi/README.md)

  --query-gpu=FIELDS      Comma-separated fields, e.g. index,name,memory.used
  --format=csv[,noheader][,nounits]
                          Output format for --query-gpu (required with it)
  -i, --id=ID             GPU index, UUID or PCI bus id (comma list)
  -l, --loop=SEC          Print again every SEC seconds until killed (default 5)
  -lms, --loop-ms=MS      Print again every MS milliseconds until killed
  -L, --list-gpus         List GPUs with their UUIDs
  --version               Print the version
  -h, --help              Print this help

Env FAKE_NVIDIA_SMI_PRESET: preset name under presets/ or absolute path (default h100).
`;

function resolveFields(names: readonly string[]): FieldSpec[] {
  return names.map((name) => {
    const spec = findField(name);
    if (spec === undefined) {
      throw new ExitError(`Field "${name}" is not a valid field to query.\n\n`, 2, true);
    }
    return spec;
  });
}

/** Loads the preset for one sample, failing the way a lost GPU makes nvidia-smi fail. */
function loadWorkingPreset(): Preset {
  const preset = loadPreset();
  if (preset.failure === "nvml") {
    throw new ExitError("Failed to initialize NVML: Unknown Error\n", 255, true);
  }
  return preset;
}

function renderOnce(command: Exclude<Command, { kind: "help" | "version" }>, specs: FieldSpec[], first: boolean): string {
  const preset = loadWorkingPreset();
  const gpus = selectGpus(preset, command.ids);
  const now = new Date();

  switch (command.kind) {
    case "list":
      return renderList(gpus);
    case "table":
      return renderTable(preset, gpus, now);
    case "query": {
      // In loop mode nvidia-smi prints the header once, so the output stays one CSV table.
      const header = first && command.format.header ? renderQueryHeader(specs) : "";
      return header + renderQueryRows(specs, gpus, preset, command.format, now);
    }
  }
}

async function run(argv: readonly string[]): Promise<void> {
  const command = parseArgs(argv);
  if (command.kind === "help") {
    process.stdout.write(HELP);
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }

  const specs = command.kind === "query" ? resolveFields(command.fields) : [];
  const loopMs = command.kind === "list" ? null : command.loopMs;

  process.stdout.write(renderOnce(command, specs, true));
  if (loopMs === null) {
    return;
  }
  for (;;) {
    await sleep(loopMs);
    process.stdout.write(renderOnce(command, specs, false));
  }
}

// A reader that closes the pipe (e.g. `| head`) ends the loop quietly, as with real tools.
process.stdout.on("error", () => process.exit(0));

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ExitError) {
    (error.toStdout ? process.stdout : process.stderr).write(error.message.endsWith("\n") ? error.message : `${error.message}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  process.stderr.write(`fake nvidia-smi: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
