import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { commandSchemas } from "@comfycarry/shared";
import type { CommandArgs, CommandResultData } from "@comfycarry/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDeployHandlers } from "../../src/deploy/handlers.js";
import type { DeployHandlers } from "../../src/deploy/handlers.js";
import { deploySettings } from "../../src/deploy/settings.js";
import { createEngine, createWorld } from "./helpers/world.js";
import type { EngineHandle, World } from "./helpers/world.js";

type DeployCommand = keyof DeployHandlers;

let world: World;
let handle: EngineHandle;
let handlers: DeployHandlers;

/** Runs a command as the executor does: arguments and result parsed with the shared schemas. */
async function call<N extends DeployCommand>(name: N, args: unknown): Promise<CommandResultData<N>> {
  const spec = commandSchemas[name];
  const handler = handlers[name] as (args: CommandArgs<N>, context: { signal: AbortSignal; log: pino.Logger }) => Promise<unknown>;
  const result = await handler(spec.args.parse(args) as CommandArgs<N>, { signal: AbortSignal.timeout(120_000), log: pino({ level: "silent" }) });
  return spec.result.parse(result) as CommandResultData<N>;
}

/** Adds tag `tag` to the fixture ComfyUI repository, on a new commit. */
function addTag(tag: string): void {
  const work = mkdtempSync(join(tmpdir(), "fixture-tag-"));
  const env = { ...process.env, GIT_AUTHOR_NAME: "Fixture", GIT_AUTHOR_EMAIL: "f@example.invalid", GIT_COMMITTER_NAME: "Fixture", GIT_COMMITTER_EMAIL: "f@example.invalid" };
  try {
    execFileSync("git", ["clone", "--quiet", world.fixtures.comfyuiUrl, work], { env });
    execFileSync("git", ["commit", "--quiet", "--allow-empty", "-m", tag], { cwd: work, env });
    execFileSync("git", ["tag", tag], { cwd: work, env });
    execFileSync("git", ["push", "--quiet", "origin", `refs/tags/${tag}`], { cwd: work, env });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  world = await createWorld();
  handle = createEngine(world);
  const config = { workspaceDir: world.workspaceDir, comfyuiDir: world.comfyuiDir, stateDir: world.stateDir };
  handlers = createDeployHandlers(handle.engine, { ...deploySettings(config), defaultRepository: world.fixtures.comfyuiUrl }, {
    control: handle.control,
    sync: null,
    gpus: () => [],
    modelsToQueue: () => Promise.resolve([]),
    tokens: () => ({ civitai: false, huggingface: false }),
  });
}, 60_000);

afterAll(async () => {
  await handle.close();
  await world.close();
}, 60_000);

describe("deploy commands", () => {
  it("plans every step with the stable tags", async () => {
    const plan = await call("deploy.plan", {});

    expect(plan.steps).toEqual(["preflight", "system_packages", "comfyui", "attention", "custom_nodes", "restore", "models", "start", "ready"]);
    expect(plan.comfyui_tags).toEqual([...world.fixtures.stableTags].reverse());
    expect(plan.deployed).toBe(false);
    expect(plan.installed).toBeNull();
  });

  it("reports a missing ref as a failed step", async () => {
    const started = await call("deploy.start", { mode: "fresh", comfyui_ref: "v9.9.9" });
    await handle.engine.idle();
    const status = await call("deploy.status", { deploy_id: started.deploy_id });
    const comfyui = status.deploy?.steps.find((step) => step.id === "comfyui");

    expect(status.deploy?.state).toBe("failed");
    expect(comfyui?.state).toBe("failed");
    expect(comfyui?.error?.code).toBe("git_failed");
  }, 180_000);

  it("succeeds on retry once the ref exists", async () => {
    const failed = await call("deploy.status", {});
    addTag("v9.9.9");

    const retried = await call("deploy.retry", { deploy_id: failed.deploy?.id ?? "" });
    await handle.engine.idle();
    const status = await call("deploy.status", { deploy_id: retried.deploy_id });

    expect(status.deploy?.state).toBe("succeeded");
    expect(status.deployed).toBe(true);
  }, 180_000);

  it("rejects a retry of a deploy that succeeded", async () => {
    const latest = await call("deploy.status", {});

    await expect(call("deploy.retry", { deploy_id: latest.deploy?.id ?? "" })).rejects.toMatchObject({ code: "invalid_arguments" });
  });

  it("rejects a custom node URL that starts with a dash", () => {
    const parsed = commandSchemas["deploy.start"].args.safeParse({ mode: "fresh", custom_nodes: [{ url: "--upload-pack=touch /tmp/x" }] });

    expect(parsed.success).toBe(false);
  });

  it("shows the installed checkout in the plan", async () => {
    const plan = await call("deploy.plan", {});

    expect(plan.installed?.tag).toBe("v9.9.9");
    expect(plan.deployed).toBe(true);
  });
});
