/**
 * Restore benchmark: a fresh workspace (ComfyUI already installed) restored from a local
 * rclone remote holding a node snapshot, the node folders the custom_nodes preset pushes,
 * workflows and settings. Each round takes five timings, and the rows show medians over the
 * rounds:
 * - every file and node restored one after another (one `rclone copyto` per file, one clone per node);
 * - the baseline: one `rclone copy` per folder and per node folder, one after another;
 * - the older baseline, with one clone per node instead;
 * - the folder copies in parallel without the engine;
 * - the deploy engine's restore step.
 * restore-baselines.ts contains the four kinds without the engine. Each timing also reports its
 * CPU time, which other work on a shared machine changes less than the wall-clock time. With `modelsGb`, it then
 * times whole restore deploys to "ComfyUI online" with and without that many GB of on-demand
 * models on the remote (see restore-online.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { deployRequestSchema } from "@comfycarry/shared";
import type { Gpu } from "@comfycarry/shared";
import { execa } from "execa";

import { ComfyuiControl } from "../../reporter/src/comfyui-control/index.js";
import { DeployEngine } from "../../reporter/src/deploy/engine.js";
import { createRootLogger } from "../../reporter/src/log/logger.js";
import { deploySettings } from "../../reporter/src/deploy/settings.js";
import { syncPortFrom } from "../../reporter/src/deploy/sync-adapter.js";
import { SyncService } from "../../reporter/src/sync/service/sync-service.js";
import { modelsToQueueFrom } from "../../reporter/src/workflows/deploy-hook.js";
import { WorkflowsService } from "../../reporter/src/workflows/service.js";
import { buildDeployFixtures, nodePackRepository } from "../../tools/deploy-fixtures/src/index.js";
import { REMOTE, REMOTE_NODES, runParallel, runPerItem, runSequential, runSequentialClones } from "./restore-baselines.js";
import { compareOnline, prepareModels } from "./restore-online.js";
import { percentile } from "./stats.js";
import type { BaselineBench } from "./restore-baselines.js";
import type { OnlineComparison } from "./restore-online.js";

const SIMULATOR = fileURLToPath(new URL("../../tools/comfyui-sim/dist/main.mjs", import.meta.url));
const PM2_CLI = fileURLToPath(new URL("../../node_modules/pm2/bin/pm2", import.meta.url));
const SERVICE = "comfy-restore-bench";
const GPU: Gpu = { index: 0, name: "bench GPU", uuid: null, utilization_percent: 0, temperature_c: null, power_draw_w: null, power_limit_w: null, memory_used_bytes: null, memory_total_bytes: null, compute_capability: "9.0" };

export interface RestoreBenchOptions {
  nodes: number;
  workflows: number;
  /** Size in GB (1e9 bytes) of the sparse on-demand models for the time-to-online comparison. 0 skips the comparison. */
  modelsGb?: number;
  /** Rounds of the five restore timings, and restore deploys per case in that comparison; medians are reported (default 3). */
  runs?: number;
}

export interface RestoreBenchResult {
  /** Number of rounds behind the medians below. */
  rounds: number;
  /** Each round's wall-clock timings in ms, in the order they ran. */
  roundsMs: Array<Record<Kind, number>>;
  /** Median CPU ms (this process and its children) of each kind, which the load of other work on the machine changes little. */
  cpuMs: Record<Kind, number>;
  /** Median CPU ms of this process alone during the engine's restore step: the reporter's own code, without rclone and git. */
  engineOwnCpuMs: number;
  /** Baseline: each file copied and each node cloned, one after another, without the engine. */
  perItemMs: number;
  /** One `rclone copy` per folder and per backed-up node folder, one after another, without the engine. */
  sequentialMs: number;
  /** One `rclone copy` per folder and one clone per node, one after another, without the engine. */
  sequentialClonesMs: number;
  /** The folder copies in the engine's shape (all in parallel, the node folders as one), without the engine. */
  bareParallelMs: number;
  /** The deploy engine's restore step. */
  engineMs: number;
  /** perItemMs / engineMs. */
  ratio: number;
  /** sequentialMs / engineMs: the engine against the same folder copies run one after another. */
  sequentialRatio: number;
  /** sequentialClonesMs / engineMs. */
  clonesRatio: number;
  /** engineMs - bareParallelMs: time the engine spends besides the commands themselves. */
  overheadMs: number;
  restored: { workflows: number; settings: boolean; nodes: number };
  /** Nodes the last engine round kept as copied from the remote, without git, read from the restore step's log. */
  nodesFromBackup: number;
  /** Time to ComfyUI online with and without on-demand models, or null when `modelsGb` is 0. */
  online: OnlineComparison | null;
}

interface Bench extends BaselineBench {
  root: string;
}

export async function runRestoreBench(options: RestoreBenchOptions): Promise<RestoreBenchResult> {
  const root = await mkdtemp(join(tmpdir(), "cc-restore-bench-"));
  const pm2Home = join(root, "pm2");
  try {
    const fixtures = buildDeployFixtures(await made(join(root, "fixtures")), process.execPath, SIMULATOR);
    Object.assign(process.env, fixtures.pipEnv, { PM2_HOME: pm2Home, FAKE_NVIDIA_SMI_PRESET: "h100" });
    const bench = await prepareRemote(root, options);
    const modelBytes = Math.round((options.modelsGb ?? 0) * 1e9);
    const parking = join(root, "parked-models");
    const remoteModels = modelBytes > 0 ? await prepareModels({ remoteBase: join(root, "remote", "comfycarry"), parking }, modelBytes) : [];

    const engineBench = await startEngine(bench, fixtures.comfyuiUrl, pm2Home);
    try {
      // Rounds interleave the five kinds, so a change in the load of a shared machine falls on all of them.
      const rounds: Round[] = [];
      let engine: Awaited<ReturnType<typeof engineRestore>> | null = null;
      for (let round = 0; round < (options.runs ?? 3); round += 1) {
        const perItem = await timed(bench, () => runPerItem(bench));
        const sequential = await timed(bench, () => runSequential(bench));
        const sequentialClones = await timed(bench, () => runSequentialClones(bench));
        const bareParallel = await timed(bench, () => runParallel(bench));
        engine = await engineRestore(bench, engineBench);
        rounds.push({ perItem, sequential, sequentialClones, bareParallel, engine: engine.timing });
      }
      if (engine === null) {
        throw new Error("the restore bench needs at least one round");
      }
      const online =
        modelBytes > 0
          ? await compareOnline(
              { workspace: bench.workspace, comfyuiDir: bench.comfyuiDir, remote: REMOTE, remoteBase: join(root, "remote", "comfycarry"), parking, engine: engineBench.engine, control: engineBench.control, reset: () => resetRestored(bench) },
              remoteModels,
              options.runs ?? 3,
            )
          : null;
      return { ...result(rounds, engine.restored), nodesFromBackup: engine.nodesFromBackup, online };
    } finally {
      await engineBench.close();
    }
  } finally {
    await execa(process.execPath, [PM2_CLI, "kill"], { env: { ...process.env, PM2_HOME: pm2Home }, reject: false });
    await rm(root, { recursive: true, force: true });
  }
}

type Kind = "perItem" | "sequential" | "sequentialClones" | "bareParallel" | "engine";
type Round = Record<Kind, Timing>;

function perKind(value: (kind: Kind) => number): Record<Kind, number> {
  return { perItem: value("perItem"), sequential: value("sequential"), sequentialClones: value("sequentialClones"), bareParallel: value("bareParallel"), engine: value("engine") };
}

function result(rounds: Round[], restored: RestoreBenchResult["restored"]): Omit<RestoreBenchResult, "online" | "nodesFromBackup"> {
  const median = (pick: (round: Round) => number): number => percentile(rounds.map(pick), 50);
  const perItemMs = median((round) => round.perItem.ms);
  const sequentialMs = median((round) => round.sequential.ms);
  const sequentialClonesMs = median((round) => round.sequentialClones.ms);
  const bareParallelMs = median((round) => round.bareParallel.ms);
  const engineMs = median((round) => round.engine.ms);
  return {
    rounds: rounds.length,
    roundsMs: rounds.map((round) => perKind((kind) => round[kind].ms)),
    cpuMs: perKind((kind) => median((round) => round[kind].cpuMs)),
    engineOwnCpuMs: median((round) => round.engine.ownCpuMs ?? 0),
    perItemMs,
    sequentialMs,
    sequentialClonesMs,
    bareParallelMs,
    engineMs,
    ratio: engineMs > 0 ? perItemMs / engineMs : 0,
    sequentialRatio: engineMs > 0 ? sequentialMs / engineMs : 0,
    clonesRatio: engineMs > 0 ? sequentialClonesMs / engineMs : 0,
    overheadMs: engineMs - bareParallelMs,
    restored,
  };
}

async function made(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/**
 * Writes the remote: a node snapshot of `nodes` packs, each pack's checkout at its pinned
 * commit under custom-nodes/ (what the custom_nodes preset pushes), `workflows` workflow files
 * and the settings.
 */
async function prepareRemote(root: string, options: RestoreBenchOptions): Promise<Bench> {
  const repos = await made(join(root, "repos"));
  const packs = Array.from({ length: options.nodes }, (_, index) => {
    const name = `bench-node-${index}`;
    const url = nodePackRepository(repos, name, { classes: [`BenchNode${index}`] });
    const commit = execFileSync("git", ["ls-remote", url, "HEAD"], { encoding: "utf8" }).split("\t")[0] ?? "";
    return { name, url, commit };
  });

  const remoteRoot = await made(join(root, "remote"));
  const nodeBackups = await made(join(remoteRoot, REMOTE_NODES));
  for (const pack of packs) {
    execFileSync("git", ["clone", "--quiet", "--", pack.url, join(nodeBackups, pack.name)]);
    execFileSync("git", ["checkout", "--quiet", "--detach", pack.commit], { cwd: join(nodeBackups, pack.name) });
  }
  const workflowsDir = await made(join(remoteRoot, "comfycarry", "workflows"));
  for (let index = 0; index < options.workflows; index += 1) {
    // Each workflow needs a checkpoint and a LoRA from the on-demand folders, which the models step must leave to the prompt gate.
    // The checkpoint's source URL points at a closed loopback port, because nothing should fetch it and a mistake must reach no other host.
    const checkpoint = index % 2 === 0 ? "sdxl/base.safetensors" : "sd15/dreamshaper_8.safetensors";
    const loaders = [
      { id: 100, type: "CheckpointLoaderSimple", mode: 0, widgets_values: [checkpoint], properties: { models: [{ name: checkpoint, directory: "checkpoints", url: `http://127.0.0.1:9/models/${checkpoint}` }] } },
      { id: 101, type: "LoraLoader", mode: 0, widgets_values: [`style_${index % 10}.safetensors`, 1, 1] },
    ];
    const nodes = [...loaders, ...Array.from({ length: 40 }, (_, id) => ({ id, type: "KSampler", widgets_values: [index, id, "euler", "normal"] }))];
    await writeFile(join(workflowsDir, `workflow-${String(index).padStart(3, "0")}.json`), JSON.stringify({ nodes, links: [] }));
  }
  await writeFile(join(await made(join(remoteRoot, "comfycarry", "user-settings")), "comfy.settings.json"), JSON.stringify({ "Comfy.Locale": "zh" }));
  const snapshot = { format: "comfycarry.nodes.v1", taken_at: new Date().toISOString(), packs: packs.map((pack) => ({ name: pack.name, repository: pack.url, commit: pack.commit, enabled: true })) };
  await writeFile(join(await made(join(remoteRoot, "comfycarry", "node-snapshots")), "comfycarry-nodes.json"), JSON.stringify(snapshot));

  const workspace = await made(join(root, "workspace"));
  const conf = join(root, "rclone.conf");
  await writeFile(conf, `[${REMOTE}]\ntype = alias\nremote = ${remoteRoot}\n`);
  return { root, workspace, comfyuiDir: join(workspace, "ComfyUI"), conf, packs };
}

/** Removes what a restore brings, then times `work` in wall-clock and CPU ms. */
async function timed(bench: Bench, work: () => Promise<void>): Promise<Timing> {
  await resetRestored(bench);
  const cpu = cpuMs();
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, cpuMs: cpuMs() - cpu };
}

interface Timing {
  ms: number;
  cpuMs: number;
  /** CPU ms of this process alone, measured for the engine step only. */
  ownCpuMs?: number;
}

/**
 * Returns the CPU time of this process and of its waited-for children, in ms. Children's time
 * comes from /proc/self/stat (cutime and cstime, assumed at 100 ticks per second, so 10 ms steps),
 * because the restore's work happens in git and rclone processes.
 */
function cpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const childTicks = Number(fields[13] ?? 0) + Number(fields[14] ?? 0);
  return childTicks * 10 + ownCpuMs();
}

/** Returns the CPU time of this process alone, in ms. */
function ownCpuMs(): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000;
}

async function resetRestored(bench: Bench): Promise<void> {
  await rm(join(bench.comfyuiDir, "user"), { recursive: true, force: true });
  for (const pack of bench.packs) {
    await rm(join(bench.comfyuiDir, "custom_nodes", pack.name), { recursive: true, force: true });
  }
  await mkdir(join(bench.comfyuiDir, "custom_nodes"), { recursive: true });
}

/** Builds the engine on the workspace and installs ComfyUI once, untimed, so the restore runs find it in place. */
interface EngineBench {
  engine: DeployEngine;
  control: ComfyuiControl;
  sync: SyncService;
  /** CPU ms (see cpuMs and ownCpuMs) when the restore step last started and ended. */
  restoreCpu: { start: number; end: number; ownStart: number; ownEnd: number };
  close: () => Promise<void>;
}

async function startEngine(bench: Bench, repository: string, pm2Home: string): Promise<EngineBench> {
  const restoreCpu = { start: 0, end: 0, ownStart: 0, ownEnd: 0 };
  const log = createRootLogger({ level: process.env["COMFYCARRY_BENCH_LOG"] ?? "silent", destination: process.stderr });
  const stateDir = join(bench.workspace, ".comfycarry");
  await mkdir(stateDir, { recursive: true });
  await copyFile(bench.conf, join(stateDir, "rclone.conf"));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const config = { workspaceDir: bench.workspace, comfyuiDir: bench.comfyuiDir, comfyuiUrl: `http://127.0.0.1:${port}`, comfyuiService: SERVICE, stateDir };
  const control = new ComfyuiControl({ config, log, emit: () => undefined, pm2Home, env: {} });
  const sync = new SyncService({
    stateDir,
    workspaceDir: bench.workspace,
    settings: { enabled: true, rcloneBinary: "rclone", initialConf: null, maxParallel: 4, watchStableMs: undefined },
    log,
    emit: () => undefined,
    snapshotSoon: () => undefined,
    channel: { supportsSecretUpdate: () => false, sendSecretUpdate: () => Promise.resolve(false) },
  });
  await sync.start();

  // The reporter's own deploy hook decides which models the restore queues, so on-demand folders stay to the prompt gate as in production.
  const workflows = await WorkflowsService.open({ comfyuiDir: bench.comfyuiDir, comfyuiUrl: config.comfyuiUrl, stateDir, nodeMapFile: null, installedPacks: () => control.nodes.packs.list(), log });
  const engine = new DeployEngine({
    settings: { ...deploySettings(config, { COMFYCARRY_DEPLOY_MIN_FREE_GB: "0" }), defaultRepository: repository },
    deps: { control, sync: syncPortFrom({ service: sync, rcloneBinary: "rclone", workspaceDir: bench.workspace, log }), gpus: () => [GPU], modelsToQueue: modelsToQueueFrom(workflows), tokens: () => ({ civitai: false, huggingface: false }) },
    log,
    emit: (event) => {
      // The restore step's CPU is read when its state changes, because the deploy's other steps run in this process too.
      if (event.kind === "deploy.step" && event.step.id === "restore" && event.step.state === "running") {
        restoreCpu.start = cpuMs();
        restoreCpu.ownStart = ownCpuMs();
      }
      if (event.kind === "deploy.step" && event.step.id === "restore" && (event.step.state === "done" || event.step.state === "failed")) {
        restoreCpu.end = cpuMs();
        restoreCpu.ownEnd = ownCpuMs();
      }
    },
  });
  await engine.start(deployRequestSchema.parse({ mode: "fresh" }));
  await engine.idle();
  return {
    engine,
    control,
    sync,
    restoreCpu,
    async close() {
      await engine.close();
      await sync.stop();
      await control.stop();
    },
  };
}

/**
 * Times the engine's restore step into the emptied workspace. Each run starts as the first
 * restore of a fresh container would: no sync rules, nothing kept about the remotes, and
 * ComfyUI (started by the previous run's later steps) stopped.
 */
async function engineRestore(bench: Bench, target: EngineBench): Promise<{ timing: Timing; restored: RestoreBenchResult["restored"]; nodesFromBackup: number }> {
  const { engine, sync } = target;
  await resetRestored(bench);
  for (const rule of sync.engine().listRules()) {
    await sync.engine().deleteRule(rule.id);
  }
  engine.store.forgetResult("restore");
  const now = new Date();
  await utimes(sync.confPath, now, now);

  const started = await engine.start(deployRequestSchema.parse({ mode: "restore", remote: REMOTE, sync_presets: ["workflows", "user_settings", "node_snapshots"] }));
  await engine.idle();
  const run = engine.status(started.deploy_id).deploy;
  const step = run?.steps.find((candidate) => candidate.id === "restore");
  if (run?.state !== "succeeded" || step === undefined || step.duration_ms === null) {
    throw new Error(`the restore deploy ended ${run?.state ?? "without a run"}: ${JSON.stringify(run?.steps.filter((candidate) => candidate.error !== null))}`);
  }
  // The later steps started ComfyUI, which would otherwise load the cores during the next timings.
  await target.control.process.stop();
  const workflows = (await readdir(join(bench.comfyuiDir, "user", "default", "workflows"))).length;
  const nodes = bench.packs.filter((pack) => existsSync(join(bench.comfyuiDir, "custom_nodes", pack.name, "comfyui-sim.json"))).length;
  const nodesFromBackup = bench.packs.filter((pack) => step.log.some((line) => line.startsWith(`${pack.name}: kept at `))).length;
  return {
    timing: { ms: step.duration_ms, cpuMs: target.restoreCpu.end - target.restoreCpu.start, ownCpuMs: target.restoreCpu.ownEnd - target.restoreCpu.ownStart },
    restored: { workflows, settings: existsSync(join(bench.comfyuiDir, "user", "default", "comfy.settings.json")), nodes },
    nodesFromBackup,
  };
}
