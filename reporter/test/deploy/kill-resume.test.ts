/**
 * kill -9 of the reporter during each deploy step, then a new deploy: it must complete and
 * leave the same files and recorded rows as a deploy that was never interrupted. The npm run
 * aims one kill at a random point inside each step. To stay short it starts from an empty
 * workspace only for the ComfyUI and custom-node steps. For the other change steps it
 * deletes their recorded results (as a kill before they finished would). For the check
 * steps it starts from a finished deploy, with ComfyUI stopped for start and ready.
 * COMFYCARRY_SOAK=1 instead kills deploys that start from an empty workspace, until every
 * step was hit and at least COMFYCARRY_SOAK_KILLS kills were made (at most 80 kills).
 * Even-numbered kills come from the test process, at a point drawn over the whole clean
 * deploy. Preflight, restore and models take about 10 ms of a 10 s deploy, so a uniform
 * draw would almost never hit them. Odd-numbered kills therefore aim at a point drawn over
 * the clean duration of one step, counted from that step's start: a step not hit yet, else
 * the next step in turn. A step that ended before the drawn point is aimed at its start on
 * the next try, because preflight often ends within a millisecond. The soak logs each
 * kill's aimed point and hit step, and prints a table of hits per step.
 */
import { spawn } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { DEPLOY_STEP_IDS } from "@comfycarry/shared";
import type { DeployStepId } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { describeDifferences, killedStep, recordedRows, treeDigest } from "./helpers/compare.js";
import { SERVICE, createWorld, request } from "./helpers/world.js";
import type { World } from "./helpers/world.js";

const CHILD = fileURLToPath(new URL("./helpers/engine-child.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));
const SOAK = process.env["COMFYCARRY_SOAK"] === "1";
const SOAK_MAX_KILLS = 80;
const SOAK_MIN_KILLS = Math.min(SOAK_MAX_KILLS, Number(process.env["COMFYCARRY_SOAK_KILLS"] ?? "0") || 0);

/** How an iteration starts: from an empty workspace, with results forgotten from the aimed step on, with ComfyUI stopped, or as the last deploy left it. */
type Start = "empty" | "forget" | "stopped" | "as_left";

const START_BY_STEP: Record<DeployStepId, Start> = {
  preflight: "as_left",
  system_packages: "as_left",
  comfyui: "empty",
  attention: "forget",
  custom_nodes: "empty",
  restore: "forget",
  models: "forget",
  start: "stopped",
  ready: "stopped",
};

type Kill = { step: DeployStepId; delay_ms: number } | { at_ms: number } | null;
type ChildLine = { event: string; id?: DeployStepId; state?: string; at: number; error?: string | null };

let world: World;
let clean: { digest: Record<string, string>; rows: ReturnType<typeof recordedRows>; durations: Map<DeployStepId, number>; totalMs: number };
const hits: Array<{ aimed: string; anchored: boolean; hit: string | null; differences: number }> = [];

function deployRequest() {
  const { text, numpyTwo } = world.fixtures.nodes;
  return request({ custom_nodes: [{ url: text.url }, { url: numpyTwo.url }], attention: "flash", ready_timeout_s: 120 });
}

/**
 * Runs one deploy in its own process; resolves with its JSON lines and how it ended. A kill
 * at `at_ms` comes from this process, counted from the deploy's first line, so it can land
 * anywhere, even inside a synchronous SQLite write. A kill aimed at a step comes from a
 * timer inside the deploy process, because only that process knows when the step starts.
 */
function runDeploy(kill: Kill): Promise<{ lines: ChildLine[]; signal: string | null }> {
  const atMs = kill !== null && "at_ms" in kill ? kill.at_ms : null;
  const payload = {
    workspaceDir: world.workspaceDir,
    comfyuiDir: world.comfyuiDir,
    stateDir: world.stateDir,
    comfyuiUrl: world.url,
    service: SERVICE,
    pm2Home: world.pm2.path,
    repository: world.fixtures.comfyuiUrl,
    request: deployRequest(),
    kill: atMs === null ? kill : null,
  };
  const child = spawn(process.execPath, ["--import", TSX, CHILD, JSON.stringify(payload)], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...world.env } });
  let output = "";
  let killTimer: NodeJS.Timeout | null = null;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
    if (atMs !== null && killTimer === null && output.includes('"event":"begin"')) {
      killTimer = setTimeout(() => child.kill("SIGKILL"), atMs);
    }
  });
  return new Promise((resolve) => {
    child.once("close", (_code, signal) => {
      if (killTimer !== null) {
        clearTimeout(killTimer);
      }
      const lines = output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as ChildLine);
      resolve({ lines, signal });
    });
  });
}

async function wipe(): Promise<void> {
  await world.pm2.cli(["delete", SERVICE]).catch(() => undefined);
  await rm(world.workspaceDir, { recursive: true, force: true });
}

async function endState() {
  return {
    digest: await treeDigest(world.workspaceDir, [world.stateDir]),
    rows: recordedRows(join(world.stateDir, "deploy", "deploy.sqlite")),
  };
}

/** Deletes the recorded results of `step` and every later step, as a kill before they finished would leave them. */
function forgetFrom(step: DeployStepId): void {
  const db = new DatabaseSync(join(world.stateDir, "deploy", "deploy.sqlite"));
  try {
    for (const later of DEPLOY_STEP_IDS.slice(DEPLOY_STEP_IDS.indexOf(step))) {
      db.prepare("DELETE FROM step_results WHERE step_id = ?").run(later);
    }
  } finally {
    db.close();
  }
}

async function prepare(start: Start, step: DeployStepId | null): Promise<void> {
  if (start === "empty") {
    await wipe();
  } else if (start === "forget" && step !== null) {
    forgetFrom(step);
  } else if (start === "stopped") {
    await world.pm2.cli(["stop", SERVICE]);
  }
}

/**
 * Kills one deploy with `kill`, runs a new one to the end, and checks the end state against
 * the clean run. The soak checks softly, so one divergence does not stop the draws after it.
 */
async function killAndResume(aimed: string, kill: Kill, start: Start): Promise<string | null> {
  await prepare(start, kill !== null && "step" in kill ? kill.step : null);
  const killed = await runDeploy(kill);
  const resumed = await runDeploy(null);
  const hit = killed.signal === "SIGKILL" ? killedStep(join(world.stateDir, "deploy", "deploy.sqlite")) : null;
  const after = await endState();
  const differences = describeDifferences(clean, after);
  hits.push({ aimed, anchored: kill !== null && "step" in kill, hit, differences: differences.length });
  console.info(`kill ${hits.length} aimed at ${aimed}: hit ${hit ?? (killed.signal === "SIGKILL" ? "no step (between steps)" : "nothing, the deploy finished first")}`);
  if (differences.length > 0) {
    console.info(`kill ${hits.length} end state differs from the clean run:\n  ${differences.join("\n  ")}`);
  }

  const check = SOAK ? expect.soft : expect;
  check(resumed.lines.at(-1), `deploy after a kill aimed at ${aimed}`).toMatchObject({ event: "finished", state: "succeeded" });
  check(after.rows, `recorded rows after a kill aimed at ${aimed}`).toEqual(clean.rows);
  check(after.digest, `files after a kill aimed at ${aimed}`).toEqual(clean.digest);
  return hit;
}

/** Formats the kills per step: drawn over the whole deploy, aimed inside the step, and end states that differed. */
function hitTable(): string {
  const rows = [...DEPLOY_STEP_IDS, null].map((step) => {
    const onStep = hits.filter((entry) => entry.hit === step);
    const name = step ?? "(none: between steps, or the deploy finished first)";
    const whole = onStep.filter((entry) => !entry.anchored).length;
    const anchored = onStep.length - whole;
    const diverged = onStep.filter((entry) => entry.differences > 0).length;
    return `| ${name} | ${whole} | ${anchored} | ${onStep.length} | ${diverged} |`;
  });
  return ["| step hit | drawn over the deploy | drawn inside the step | total | end state differed |", "|---|---|---|---|---|", ...rows].join("\n");
}

/**
 * Picks the kill for soak draw `index`: over the whole deploy when even, else inside a step
 * not hit yet or the next in turn. `aims` counts the earlier kills aimed inside each step.
 */
function soakKill(index: number, missing: Set<string>, aims: Map<string, number>): { aimed: string; kill: Kill } {
  const target = DEPLOY_STEP_IDS.find((step) => missing.has(step)) ?? DEPLOY_STEP_IDS[Math.floor(index / 2) % DEPLOY_STEP_IDS.length];
  if (index % 2 === 0 || target === undefined) {
    const atMs = Math.floor(Math.random() * clean.totalMs);
    return { aimed: `${atMs} ms into the deploy`, kill: { at_ms: atMs } };
  }
  const retry = missing.has(target) && (aims.get(target) ?? 0) > 0;
  aims.set(target, (aims.get(target) ?? 0) + 1);
  const delayMs = retry ? 0 : Math.floor(Math.random() * (clean.durations.get(target) ?? 0));
  return { aimed: `${delayMs} ms into ${target}`, kill: { step: target, delay_ms: delayMs } };
}

beforeAll(async () => {
  world = await createWorld();
  await wipe();
  const run = await runDeploy(null);
  const durations = new Map<DeployStepId, number>();
  const startedAt = new Map<string, number>();
  for (const line of run.lines) {
    if (line.event === "step" && line.id !== undefined && line.state === "running") {
      startedAt.set(line.id, line.at);
    } else if (line.event === "step" && line.id !== undefined && line.state === "done") {
      durations.set(line.id, line.at - (startedAt.get(line.id) ?? line.at));
    }
  }
  const begin = run.lines[0]?.at ?? 0;
  clean = { ...(await endState()), durations, totalMs: (run.lines.at(-1)?.at ?? begin) - begin };
  console.info(`clean deploy: ${clean.totalMs} ms; steps ${[...durations].map(([id, ms]) => `${id} ${ms} ms`).join(", ")}`);
}, 300_000);

afterAll(async () => {
  await world.close();
}, 60_000);

describe("deploy after kill -9", () => {
  it("finishes cleanly without a kill", () => {
    expect(clean.durations.size).toBe(DEPLOY_STEP_IDS.length);
  });

  if (SOAK) {
    it("resumes after kills until every step was hit", async () => {
      const missing = new Set<string>(DEPLOY_STEP_IDS);
      const aims = new Map<string, number>();
      const began = Date.now();
      try {
        for (let index = 0; index < SOAK_MAX_KILLS && (missing.size > 0 || index < SOAK_MIN_KILLS); index += 1) {
          const { aimed, kill } = soakKill(index, missing, aims);
          const hit = await killAndResume(aimed, kill, "empty");
          if (hit !== null) {
            missing.delete(hit);
          }
        }
      } finally {
        const minutes = ((Date.now() - began) / 60_000).toFixed(1);
        console.info(`soak: ${hits.length} kills in ${minutes} min; clean deploy ${clean.totalMs} ms\n${hitTable()}`);
      }

      expect([...missing]).toEqual([]);
    }, 7_200_000);
  } else {
    for (const step of DEPLOY_STEP_IDS) {
      it(`resumes after a kill in ${step}`, async () => {
        const window = clean.durations.get(step) ?? 0;
        let hit = await killAndResume(step, { step, delay_ms: Math.floor(Math.random() * window) }, START_BY_STEP[step]);
        // The step may end before the drawn point; the second kill lands as the step starts.
        if (hit !== step) {
          hit = await killAndResume(step, { step, delay_ms: 0 }, START_BY_STEP[step]);
        }

        expect(hit).toBe(step);
      }, 600_000);
    }
  }
});
