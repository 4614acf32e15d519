/**
 * The edge-cost benchmark: one simulated hour of a reporter link against a real local edge
 * (wrangler dev), once unwatched and once watched the whole hour, which is what streaming
 * to a dashboard all the time costs. The reporter side follows the reporter's own link
 * rules (constant pings, 60 s or 2 s snapshots, merge-patch deltas, live-only events left
 * out while unwatched) through its real modules, with time compressed by `speedup`.
 *
 * Counted inside the Durable Object: the edge runs with COMFYCARRY_METER=1, and its usage
 * meter (edge/src/instance/cost-meter.ts) counts invocations by handler, inbound and outbound
 * messages and bytes, SQLite rows written and handler wall time. Auto-answered pings never
 * reach the object; they are checked by their pong arriving without a timestamp.
 * Handler time is the meter's mean per invocation when workerd's clock moved during handlers
 * (it moves only across I/O, so this is I/O-bounded time), else the median snapshot
 * acknowledgement round trip on loopback, an upper bound.
 * NOTE: heartbeat alarms follow real time, which the compressed clock shrinks, so they are
 * modelled from the edge's rules (`heartbeatAlarmsPerHour`), and each one the run did not see adds
 * one row for its re-arm. Alarms for other deadlines are measured. Snapshot writes and history
 * rows also follow the edge's clock (the persist interval of unwatched snapshots, the history
 * store's downsampling by arrival time), so the measured ones are replaced by the rule count at
 * simulated time (`clockRows`). Rows a fresh object writes once (its tables) are left out.
 * All other rows are measured. `modelRows` gives the rule-based count of all rows for comparison.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  EDGE_FEATURE_PING_AUTO_RESPONSE,
  HEARTBEAT_INTERVAL_MS,
  HISTORY_TIERS,
  OFFLINE_AFTER_MS,
  OFFLINE_ALERT_AFTER_MS,
  PING_FRAME,
  PROTOCOL_VERSION,
  SNAPSHOT_INTERVAL_UNWATCHED_MS,
  SNAPSHOT_INTERVAL_WATCHED_MS,
  edgeToReporterMessageSchema,
  overviewSchema,
  parseFrame,
  toUtcTimestamp,
} from "@comfycarry/shared";
import type { EdgeToReporterMessage, Overview, ProtocolEvent } from "@comfycarry/shared";
import { EdgeClient, findFreePort, repoRoot, startEdge } from "@comfycarry/stack";
import WebSocket from "ws";

import { isLiveOnly } from "../../reporter/src/link/live-events.js";
import { SnapshotSequence } from "../../reporter/src/link/snapshot-delta.js";
import { invocationCount, readMeter } from "./edge-cost-meter.js";
import type { MeterReading } from "./edge-cost-meter.js";
import { monthlyCost } from "./edge-cost-model.js";
import type { HourTraffic, MonthlyCost } from "./edge-cost-model.js";

const HOUR_MS = 3_600_000;
/** Samples further apart than this are minute points in the edge's history (SPARSE_AFTER_MS in edge/src/history/store.ts). */
const SPARSE_AFTER_MS = 30_000;
/** An unwatched connection writes its snapshot to storage at most this often (PERSIST_INTERVAL_UNWATCHED_MS in edge/src/instance/held-snapshot.ts). */
const PERSIST_INTERVAL_UNWATCHED_MS = 300_000;
/**
 * Heartbeat alarms in an hour, by the edge's rule in edge/src/instance/heartbeat.ts. The alarm
 * fires OFFLINE_AFTER_MS after the last sign of life, plus OFFLINE_ALERT_AFTER_MS while no
 * browser is connected. It re-arms from the newest sign of life, which is on average half a
 * gap between signs old. Signs come every second while watched (progress events) and at
 * least every 20 s (pings) while unwatched.
 */
export function heartbeatAlarmsPerHour(watched: boolean): number {
  const delayMs = watched ? 0 : OFFLINE_ALERT_AFTER_MS;
  const signGapMs = watched ? 1_000 : HEARTBEAT_INTERVAL_MS;
  return HOUR_MS / (OFFLINE_AFTER_MS + delayMs - signGapMs / 2);
}

export interface EdgeCostOptions {
  /** Simulated time per real time: 60 runs the hour in one minute. */
  speedup: number;
}

export interface ModeResult {
  mode: "unwatched" | "watched";
  hour: HourTraffic;
  month: MonthlyCost;
  /** Handled messages by frame type. */
  byType: Record<string, number>;
  snapshotsFull: number;
  snapshotsDelta: number;
  /** Pongs that came back without a timestamp, i.e. from the runtime's auto-response. */
  autoPongs: number;
  /** The object's own counters at the end of the hour. */
  meter: MeterReading;
  /** Source of `hour.handlerMs`. */
  handlerTimeSource: "meter" | "ack round trip";
  /** Messages the bench sent that the object should have handled, to check the meter against. */
  sentMessages: number;
  /** SQLite rows the edge's rules predict for this hour (see `modelRows`). */
  modelledRows: number;
  /** Snapshot writes and history rows, which follow the edge's clock: measured in the compressed hour, and the rule count that replaces them. */
  clockRows: { measured: number; modelled: number };
  /** Rows written once per object, not every hour, and left out of the hour: table creation and the local runtime's own name row. */
  oneTimeRows: number;
}

export interface EdgeCostResult {
  speedup: number;
  unwatched: ModeResult;
  watched: ModeResult;
  /** Unwatched monthly cost over watched (always-streaming) monthly cost. */
  ratio: number;
}

/** Live figures that change the way a busy GPU's do, so deltas carry realistic changes. */
function snapshotAt(base: Overview, instanceId: string, simulatedMs: number): Overview {
  const second = Math.floor(simulatedMs / 1000);
  const gpus = base.system.gpus.map((gpu, index) => ({ ...gpu, utilization_percent: 60 + ((second * 7 + index * 13) % 40), temperature_c: 60 + ((second + index) % 15) }));
  return {
    ...base,
    instance_id: instanceId,
    captured_at: toUtcTimestamp(new Date(Date.UTC(2026, 11, 1) + simulatedMs)),
    system: { ...base.system, uptime_s: second, cpu: { ...base.system.cpu, usage_percent: 10 + (second % 30) }, gpus },
    comfyui: { ...base.comfyui, queue_running: 1, queue_pending: second % 3 },
  };
}

/** Builds the events a busy instance produces in one simulated second: step progress, and every 20 s a finished prompt and a log line. */
function eventsAt(simulatedSecond: number): ProtocolEvent[] {
  const at = toUtcTimestamp();
  const promptId = `p${Math.floor(simulatedSecond / 20)}`;
  const step = simulatedSecond % 20;
  const events: ProtocolEvent[] = [
    { kind: "comfyui.progress", at, prompt_id: promptId, nodes_done: 3, node_count: 7, node: "3", node_class: "KSampler", value: step + 1, max: 20 },
  ];
  if (step === 19) {
    events.push({ kind: "comfyui.execution_success", at, prompt_id: promptId, nodes_done: 7, node_count: 7, duration_ms: 20_000 });
    events.push({ kind: "comfyui.queue", at, queue_running: 1, queue_pending: 1 });
    events.push({ kind: "log", at, source: "comfyui", level: "info", lines: [`Prompt executed in 20.00 seconds`] });
  }
  return events;
}

/**
 * History rows written for snapshots at `times` (simulated ms), following the edge's history
 * store: one row per stored sample (raw, or a minute point when sparse), one per minute that
 * had raw samples, and one per quarter hour.
 */
export function historyRows(times: number[]): number {
  let previous: number | null = null;
  let rows = 0;
  const rawMinutes = new Set<number>();
  for (const t of times) {
    if (previous !== null && t - previous < HISTORY_TIERS["1h"].resolutionMs) {
      continue;
    }
    rows += 1;
    if (previous !== null && t - previous < SPARSE_AFTER_MS) {
      rawMinutes.add(Math.floor(t / 60_000));
    }
    previous = t;
  }
  return rows + rawMinutes.size + HOUR_MS / HISTORY_TIERS["30d"].resolutionMs;
}

/**
 * Snapshots at `times` (simulated ms) the edge writes to storage: every one while watched;
 * while unwatched the first of a connection and then one per persist interval, the rest
 * being held with the socket.
 */
export function persistedSnapshots(times: number[], watched: boolean): number {
  if (watched) {
    return times.length;
  }
  let persistedAt: number | null = null;
  let writes = 0;
  for (const t of times) {
    if (persistedAt === null || t - persistedAt >= PERSIST_INTERVAL_UNWATCHED_MS) {
      persistedAt = t;
      writes += 1;
    }
  }
  return writes;
}

/**
 * SQLite rows the edge writes for this traffic: one KV put per stored snapshot, the history
 * rows, and one `setAlarm` per alarm (the heartbeat deadline is computed, not stored).
 * NOTE: rows the alert engine writes per snapshot are not included.
 */
export function modelRows(snapshotTimes: number[], watched: boolean, alarms: number): number {
  return persistedSnapshots(snapshotTimes, watched) + historyRows(snapshotTimes) + alarms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function openReporter(edgeUrl: string, token: string, instanceId: string): Promise<{ socket: WebSocket; frames: EdgeToReporterMessage[]; welcome: Extract<EdgeToReporterMessage, { type: "welcome" }> }> {
  const socket = new WebSocket(`${edgeUrl.replace(/^http/, "ws")}/api/reporter/ws`, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const frames: EdgeToReporterMessage[] = [];
  socket.on("message", (data) => {
    const parsed = parseFrame(edgeToReporterMessageSchema, data.toString());
    if (parsed.ok) {
      frames.push(parsed.value);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(
    JSON.stringify({
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      instance_id: instanceId,
      reporter_version: "bench",
      started_at: toUtcTimestamp(),
      host: { hostname: "bench", platform: "linux", arch: "x64", node_version: process.version, cpu_model: "bench", cpu_cores: 2, memory_total_bytes: 1, gpu_names: ["NVIDIA H100"] },
    }),
  );
  for (let waited = 0; waited < 15_000; waited += 20) {
    const welcome = frames.find((frame): frame is Extract<EdgeToReporterMessage, { type: "welcome" }> => frame.type === "welcome");
    if (welcome !== undefined) {
      return { socket, frames, welcome };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the edge sent no welcome within 15 s");
}

async function runMode(mode: "unwatched" | "watched", edgeUrl: string, client: EdgeClient, base: Overview, speedup: number): Promise<ModeResult> {
  const created = await client.createInstance(`bench-${mode}-${randomBytes(3).toString("hex")}`);
  let browser: WebSocket | null = null;
  if (mode === "watched") {
    browser = new WebSocket(`${edgeUrl.replace(/^http/, "ws")}/api/instances/${created.instance_id}/ws`, { headers: { cookie: client.sessionCookie ?? "", origin: edgeUrl } });
    await new Promise<void>((resolve, reject) => {
      browser?.once("open", () => resolve());
      browser?.once("error", reject);
    });
  }
  const { socket, frames, welcome } = await openReporter(edgeUrl, created.token, created.instance_id);
  const watched = mode === "watched";
  if (!(welcome.features ?? []).includes(EDGE_FEATURE_PING_AUTO_RESPONSE)) {
    throw new Error("this edge does not offer ping auto-response; rebuild and restart it");
  }
  const { startedAt } = await readMeter(edgeUrl, client, created.instance_id);

  const sequence = new SnapshotSequence((welcome.features ?? []).includes("snapshot_delta"));
  const byType: Record<string, number> = {};
  const sentAt = new Map<number, number>();
  const ackMs: number[] = [];
  let pings = 0;
  let snapshotsDelta = 0;
  const snapshotTimes: number[] = [];
  let handled = 0;

  socket.on("message", (data) => {
    const parsed = parseFrame(edgeToReporterMessageSchema, data.toString());
    if (parsed.ok && parsed.value.type === "snapshot_ack") {
      const started = sentAt.get(parsed.value.seq);
      if (started !== undefined) {
        ackMs.push(performance.now() - started);
      }
      sequence.acknowledge(parsed.value.seq, parsed.value.ok);
    }
  });

  function send(text: string, type: string): void {
    socket.send(text);
    byType[type] = (byType[type] ?? 0) + 1;
    handled += 1;
  }

  const snapshotEvery = watched ? SNAPSHOT_INTERVAL_WATCHED_MS : SNAPSHOT_INTERVAL_UNWATCHED_MS;
  const tickMs = 1_000;
  const started = performance.now();
  for (let simulated = 0; simulated < HOUR_MS; simulated += tickMs) {
    for (const event of eventsAt(simulated / 1000)) {
      if (watched || !isLiveOnly(event)) {
        send(JSON.stringify({ type: "event", event }), "event");
      }
    }
    if (simulated % snapshotEvery === 0) {
      const frame = sequence.frame(overviewSchema.parse(snapshotAt(base, created.instance_id, simulated)));
      sentAt.set(frame.seq ?? 0, performance.now());
      send(JSON.stringify(frame), frame.type);
      snapshotTimes.push(simulated);
      snapshotsDelta += frame.type === "snapshot_delta" ? 1 : 0;
    }
    if (simulated % HEARTBEAT_INTERVAL_MS === 0) {
      socket.send(PING_FRAME);
      pings += 1;
    }

    // Keep simulated and real time in step at `speedup`.
    const due = started + (simulated + tickMs) / speedup;
    const wait = due - performance.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));

  const autoPongs = frames.filter((frame) => frame.type === "pong" && frame.at === undefined).length;
  // The object may still be working through frames queued under load; the hello counts too.
  let meter = await readMeter(edgeUrl, client, created.instance_id);
  for (let waited = 0; meter.invocations.webSocketMessage < handled + 1 && waited < 60_000; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    meter = await readMeter(edgeUrl, client, created.instance_id);
  }
  socket.close(1000, "bench done");
  browser?.close(1000, "bench done");
  if (meter.startedAt !== startedAt) {
    // wrangler dev reloads the Worker when a file under edge/src changes, and the reload resets the counters.
    throw new Error(`the edge restarted during the ${mode} hour (its counters began again at ${new Date(meter.startedAt).toISOString()}), e.g. after a change under edge/src; run the bench again while no file under edge/src changes`);
  }

  // Heartbeat alarms follow real time and are modelled. Other deadlines (notifications, alerts)
  // follow the traffic, so the alarms that fired them are counted as measured.
  const unseenAlarms = Math.max(0, heartbeatAlarmsPerHour(watched) - (meter.deadlines.heartbeat ?? 0));
  const alarms = meter.invocations.alarm + unseenAlarms;
  // Snapshot writes and history rows follow the edge's clock, so the compressed hour shows
  // fewer than a real one. The rule count at simulated time replaces them.
  const clockRows = {
    measured: (meter.kvWritesByKey.snapshot ?? 0) + (meter.sqlRowsByTable.history_ring ?? 0),
    modelled: persistedSnapshots(snapshotTimes, watched) + historyRows(snapshotTimes),
  };
  // A fresh object creates its tables in the measured hour; a real object does that once.
  // `__miniflare_do_name` is the local runtime's own bookkeeping and does not exist on Cloudflare.
  const oneTimeRows = (meter.sqlRowsByTable.schema ?? 0) + (meter.sqlRowsByTable.__miniflare_do_name ?? 0);
  const invocations = invocationCount(meter);
  const handlerTimeSource = meter.clockAdvanced ? "meter" : "ack round trip";
  const hour: HourTraffic = {
    handledMessages: meter.invocations.webSocketMessage,
    autoAnsweredPings: pings,
    bytesIn: meter.inboundBytes,
    alarms,
    wakeUps: invocations + unseenAlarms,
    handlerMs: meter.clockAdvanced ? meter.handlerMs / Math.max(1, invocations) : median(ackMs),
    rowsWritten: meter.rowsWritten - oneTimeRows - clockRows.measured + clockRows.modelled + unseenAlarms,
  };
  return {
    mode,
    hour,
    month: monthlyCost(hour),
    byType,
    snapshotsFull: snapshotTimes.length - snapshotsDelta,
    snapshotsDelta,
    autoPongs,
    meter,
    handlerTimeSource,
    sentMessages: handled,
    modelledRows: modelRows(snapshotTimes, watched, alarms),
    clockRows,
    oneTimeRows,
  };
}

/** Runs both simulated hours against one fresh local edge. */
export async function runEdgeCostBench(options: EdgeCostOptions): Promise<EdgeCostResult> {
  const stateDir = await mkdtemp(join(tmpdir(), "comfycarry-edge-cost-"));
  const password = randomBytes(12).toString("base64url");
  const edge = await startEdge({
    stateDir,
    port: await findFreePort(),
    secrets: { DASHBOARD_PASSWORD: password, SESSION_SECRET: randomBytes(32).toString("base64url"), SECRETS_KEY: randomBytes(32).toString("base64url") },
    vars: { COMFYCARRY_METER: "1" },
  });
  try {
    const client = new EdgeClient(edge.url);
    await client.login(password);
    const base = overviewSchema.parse(JSON.parse(await readFile(join(repoRoot, "shared/examples/overview.example.json"), "utf8")));
    const unwatched = await runMode("unwatched", edge.url, client, base, options.speedup);
    const watched = await runMode("watched", edge.url, client, base, options.speedup);
    return { speedup: options.speedup, unwatched, watched, ratio: unwatched.month.dollars / watched.month.dollars };
  } finally {
    await edge.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}
