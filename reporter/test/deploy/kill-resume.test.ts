/**
 * kill -9 of the reporter during each deploy step, then a new deploy: it must complete and
 * leave the same files and recorded rows as a deploy that was never interrupted. The npm run
 * aims one kill at a random point inside each step. To stay short it starts from an empty
 * workspace only for the ComfyUI and custom-node steps. For the other change steps it
 * deletes their recorded results (as a kill before they finished would). For the check
 * steps it starts from a finished deploy, with ComfyUI stopped for start and ready.
 * COMFYCARRY_SOAK=1 instead draws kill points over a whole deploy from an empty workspace,
 * until every step was hit.
 */
import { spawn } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { DEPLOY_STEP_IDS } from "@comfycarry/shared";
import type { DeployStepId } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { killedStep, recordedRows, treeDigest } from "./helpers/compare.js";
import { SERVICE, createWorld, request } from "./helpers/world.js";
import type { World } from "./helpers/world.js";

const CHILD = fileURLToPath(new URL("./helpers/engine-child.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));
const SOAK = process.env["COMFYCARRY_SOAK"] === "1";
const SOAK_MAX_KILLS = 80;

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
const hits: Array<{ aimed: string; hit: string | null }> = [];

function deployRequest() {
  const { text, numpyTwo } = world.fixtures.nodes;
  return request({ custom_nodes: [{ url: text.url }, { url: numpyTwo.url }], attention: "flash", ready_timeout_s: 120 });
}

/** Runs one deploy in its own process; resolves with its JSON lines and how it ended. */
function runDeploy(kill: Kill): Promise<{ lines: ChildLine[]; signal: string | null }> {
  const payload = {
    workspaceDir: world.workspaceDir,
    comfyuiDir: world.comfyuiDir,
    stateDir: world.stateDir,
    comfyuiUrl: world.url,
    service: SERVICE,
    pm2Home: world.pm2.path,
    repository: world.fixtures.comfyuiUrl,
    request: deployRequest(),
    kill,
  };
  const child = spawn(process.execPath, ["--import", TSX, CHILD, JSON.stringify(payload)], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...world.env } });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve) => {
    child.once("close", (_code, signal) => {
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

/** Kills one deploy with `kill`, runs a new one to the end, and checks the end state against the clean run. */
async function killAndResume(aimed: string, kill: Kill, start: Start): Promise<string | null> {
  await prepare(start, kill !== null && "step" in kill ? kill.step : null);
  const killed = await runDeploy(kill);
  const resumed = await runDeploy(null);
  const hit = killed.signal === "SIGKILL" ? killedStep(join(world.stateDir, "deploy", "deploy.sqlite")) : null;
  hits.push({ aimed, hit });
  console.info(`kill aimed at ${aimed}: hit ${hit ?? (killed.signal === "SIGKILL" ? "between steps" : "nothing, the deploy finished first")}`);

  expect(resumed.lines.at(-1), `deploy after a kill aimed at ${aimed}`).toMatchObject({ event: "finished", state: "succeeded" });
  const after = await endState();
  expect(after.rows, `recorded rows after a kill aimed at ${aimed}`).toEqual(clean.rows);
  expect(after.digest, `files after a kill aimed at ${aimed}`).toEqual(clean.digest);
  return hit;
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
    it("resumes after kills drawn over the whole deploy until every step was hit", async () => {
      const missing = new Set<string>(DEPLOY_STEP_IDS);
      for (let kills = 0; kills < SOAK_MAX_KILLS && missing.size > 0; kills += 1) {
        const atMs = Math.floor(Math.random() * clean.totalMs);
        const hit = await killAndResume(`${atMs} ms`, { at_ms: atMs }, "empty");
        if (hit !== null) {
          missing.delete(hit);
        }
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
