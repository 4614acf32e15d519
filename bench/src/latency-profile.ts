/**
 * Runs the latency bench's workload with the reporter under --cpu-prof and a memory probe.
 * It then prints where the reporter's CPU went in the idle and streaming phases: self and
 * total time by source file and by function, mapped through the bundle's source map. It also
 * prints the reporter's memory split and its garbage collections by phase. It writes no
 * benchmark row.
 *
 * Usage: npx tsx src/latency-profile.ts [--browsers 20] [--keep DIR] [--top 25] [--analyse DIR]
 * PROFILE_NODE_OPTIONS replaces the reporter's NODE_OPTIONS (without --cpu-prof only the probe
 * runs), and PROFILE_NODE_ARGS replaces its Node flags.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import type { SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { z } from "zod";

import { runLatencyBench } from "./latency.js";

const { values } = parseArgs({
  options: {
    browsers: { type: "string", default: "20" },
    keep: { type: "string" },
    top: { type: "string", default: "25" },
    // Summarise the profile of an earlier run kept in this folder instead of running the bench.
    analyse: { type: "string" },
  },
});

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number(), columnNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
type Profile = z.infer<typeof profileSchema>;

// Written into the reporter with --require: it logs the memory split every 2 s, so the
// idle figures come from the reporter itself rather than from /proc.
const MEMORY_PROBE = `
const { appendFileSync } = require("node:fs");
const file = process.env.COMFYCARRY_MEMORY_PROBE_FILE;
const timer = setInterval(() => {
  const usage = process.memoryUsage();
  appendFileSync(file, JSON.stringify({ at: Number(process.hrtime.bigint() / 1000n), pid: process.pid, ...usage, modules: Object.keys(require.cache).length }) + "\\n");
}, 2000);
timer.unref();
const { PerformanceObserver, constants } = require("node:perf_hooks");
const kinds = { [constants.NODE_PERFORMANCE_GC_MAJOR]: "major", [constants.NODE_PERFORMANCE_GC_MINOR]: "minor", [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental", [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb" };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    appendFileSync(file, JSON.stringify({ gc: kinds[entry.detail.kind] ?? String(entry.detail.kind), ms: entry.duration, at: Number(process.hrtime.bigint() / 1000n), pid: process.pid }) + "\\n");
  }
}).observe({ entryTypes: ["gc"] });
`;

const dir = values.analyse ?? values.keep ?? (await mkdtemp(join(tmpdir(), "comfycarry-profile-")));
const probeFile = join(dir, "memory-probe.cjs");
const probeLog = join(dir, "memory.jsonl");
await writeFile(probeFile, MEMORY_PROBE);

const result = values.analyse !== undefined ? (JSON.parse(await readFile(join(dir, "result.json"), "utf8")) as Awaited<ReturnType<typeof runLatencyBench>>) : await runLatencyBench({
  browsers: Number(values.browsers),
  prompts: 5,
  stepsPerPrompt: 40,
  stepMs: 50,
  commands: 50,
  idleSeconds: 20,
  reporterEnv: {
    NODE_OPTIONS: process.env.PROFILE_NODE_OPTIONS ?? `--cpu-prof --cpu-prof-dir=${dir} --require ${probeFile}`,
    COMFYCARRY_MEMORY_PROBE_FILE: probeLog,
  },
  stopReporterGracefully: true,
  // Space-separated Node flags to compare against the stack's defaults.
  ...(process.env.PROFILE_NODE_ARGS === undefined ? {} : { reporterNodeArgs: process.env.PROFILE_NODE_ARGS.split(" ").filter((flag) => flag !== "") }),
});
await writeFile(join(dir, "result.json"), JSON.stringify(result));

const bundle = resolve("../reporter/dist/reporter.mjs");
const sourceMap = new SourceMap(z.custom<SourceMapPayload>().parse(JSON.parse(await readFile(`${bundle}.map`, "utf8"))));
// Children the reporter starts with Node (the fake nvidia-smi) inherit NODE_OPTIONS and
// write profiles too, so the reporter's is the one that ran the bundle.
let profile: Profile | undefined;
let profileName = "";
for (const name of (await readdir(dir)).filter((entry) => entry.endsWith(".cpuprofile"))) {
  const candidate = profileSchema.parse(JSON.parse(await readFile(join(dir, name), "utf8")));
  if (candidate.nodes.some((node) => node.callFrame.url.endsWith("reporter.mjs")) && (profile === undefined || candidate.samples.length > profile.samples.length)) {
    profile = candidate;
    profileName = name;
  }
}
console.log(JSON.stringify({ streaming: result.reporterStreaming, idle: result.reporterIdle, event: result.eventLatencyMs, command: result.commandRoundTripMs }));
const probeText = await readFile(probeLog, "utf8").catch(() => "");
// Without --cpu-prof the reporter is the probed process with the most heap.
const reporterPid =
  profile === undefined
    ? (probeText.split("\n").flatMap((line) => {
        const entry = z.object({ pid: z.number(), heapUsed: z.number() }).safeParse(line === "" ? null : JSON.parse(line));
        return entry.success ? [entry.data] : [];
      }).sort((a, b) => b.heapUsed - a.heapUsed)[0]?.pid ?? 0)
    : Number(profileName.split(".")[3]);
if (profile !== undefined) {
  console.log(`profile ${join(dir, profileName)}`);
  summarise("idle", profile, result.phasesMicros.idle);
  summarise("streaming", profile, result.phasesMicros.streaming);
}
console.log("memory probe (MB):");
const gcEntrySchema = z.object({ gc: z.string(), ms: z.number(), at: z.number(), pid: z.number() });
const memoryEntrySchema = z.object({ at: z.number(), pid: z.number(), rss: z.number(), heapTotal: z.number(), heapUsed: z.number(), external: z.number(), arrayBuffers: z.number(), modules: z.number() });
const gcTotals = new Map<string, { count: number; ms: number }>();
for (const line of probeText.trim().split("\n")) {
  if (line === "") {
    continue;
  }
  const json: unknown = JSON.parse(line);
  const gc = gcEntrySchema.safeParse(json);
  if (gc.success) {
    const phase = Object.entries(result.phasesMicros).find(([, [from, to]]) => gc.data.at >= from && gc.data.at <= to)?.[0];
    if (gc.data.pid === reporterPid && phase !== undefined) {
      const key = `${phase} ${gc.data.gc}`;
      const total = gcTotals.get(key) ?? { count: 0, ms: 0 };
      gcTotals.set(key, { count: total.count + 1, ms: total.ms + gc.data.ms });
    }
    continue;
  }
  const entry = memoryEntrySchema.parse(json);
  if (entry.pid !== reporterPid) {
    continue;
  }
  const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
  console.log(`  rss ${mb(entry.rss)} heapUsed ${mb(entry.heapUsed)} heapTotal ${mb(entry.heapTotal)} external ${mb(entry.external)} arrayBuffers ${mb(entry.arrayBuffers)} cjs modules ${entry.modules}`);
}
console.log("garbage collections by phase (count, total ms of pause):");
for (const [key, total] of gcTotals) {
  console.log(`  ${key}: ${total.count}, ${total.ms.toFixed(1)} ms`);
}

/** Prints self and total sample time by source file and by function for samples inside `window`. */
function summarise(label: string, data: Profile, window: [number, number]): void {
  const parent = new Map<number, number>();
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  for (const node of data.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }

  const selfByFunction = new Map<string, number>();
  const totalByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const totalByFile = new Map<string, number>();
  let at = data.startTime;
  let windowMicros = 0;
  for (let index = 0; index < data.samples.length; index += 1) {
    const delta = data.timeDeltas[index] ?? 0;
    at += delta;
    if (at < window[0] || at > window[1]) {
      continue;
    }
    const next = data.timeDeltas[index + 1] ?? 0;
    windowMicros += next;
    const seenFunctions = new Set<string>();
    const seenFiles = new Set<string>();
    let id: number | undefined = data.samples[index];
    let first = true;
    while (id !== undefined) {
      const node = byId.get(id);
      if (node === undefined) {
        break;
      }
      const { file, name } = locate(node.callFrame);
      if (first) {
        add(selfByFunction, name, next);
        add(selfByFile, file, next);
        first = false;
      }
      if (!seenFunctions.has(name)) {
        add(totalByFunction, name, next);
        seenFunctions.add(name);
      }
      if (!seenFiles.has(file)) {
        add(totalByFile, file, next);
        seenFiles.add(file);
      }
      id = parent.get(id);
    }
  }

  const top = Number(values.top);
  const busy = windowMicros - (selfByFunction.get("(idle) ((idle))") ?? 0);
  console.log(`\n== ${label}: ${(windowMicros / 1000).toFixed(0)} ms of samples, ${(busy / 1000).toFixed(1)} ms not idle`);
  for (const [title, table] of [
    ["self by file", selfByFile],
    ["total by file", totalByFile],
    ["self by function", selfByFunction],
    ["total by function", totalByFunction],
  ] as const) {
    console.log(`-- ${title}`);
    for (const [key, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${(micros / 1000).toFixed(1).padStart(8)} ms  ${key}`);
    }
  }
}

function add(table: Map<string, number>, key: string, micros: number): void {
  table.set(key, (table.get(key) ?? 0) + micros);
}

/** Maps a bundle call frame to its original source file through the source map. */
function locate(frame: Profile["nodes"][number]["callFrame"]): { file: string; name: string } {
  if (!frame.url.endsWith("reporter.mjs")) {
    const file = frame.url === "" ? `(${frame.functionName === "" ? "native" : frame.functionName})` : frame.url.replace(/^.*node_modules\//, "");
    return { file, name: `${frame.functionName} ${file}` };
  }
  const entry = sourceMap.findEntry(frame.lineNumber, frame.columnNumber);
  const source = "originalSource" in entry ? entry.originalSource.replace(/^.*node_modules\//, "").replace(/^.*\/src\//, "src/") : "(unmapped)";
  const line = "originalLine" in entry ? entry.originalLine + 1 : 0;
  return { file: source, name: `${frame.functionName === "" ? "(anonymous)" : frame.functionName} ${source}:${line}` };
}
