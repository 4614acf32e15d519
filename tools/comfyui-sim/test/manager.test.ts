/**
 * The simulated ComfyUI-Manager: v4 with --enable-manager, legacy from custom_nodes/comfyui-manager,
 * installing a fixture repository whose node classes appear in /object_info after a restart.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterEach, describe, expect, test } from "vitest";

import { startSim, tempBaseDir, type SimHandle } from "./helpers/sim.js";
import { SocketRecorder } from "./helpers/socket.js";

const running: SimHandle[] = [];
const sockets: SocketRecorder[] = [];

afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.socket.terminate());
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

function git(cwd: string, args: string[]): void {
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { cwd, stdio: "ignore" });
}

/** A base folder with a node list naming one local fixture pack (tag v1.0.0, class SimFixture). */
function fixture(): { baseDir: string; env: Record<string, string> } {
  const baseDir = tempBaseDir();
  const repo = path.join(baseDir, "sources", "fixture-pack");
  mkdirSync(repo, { recursive: true });
  git(repo, ["init", "-q"]);
  writeFileSync(path.join(repo, "comfyui-sim.json"), JSON.stringify({ nodes: { SimFixture: { input: {}, output: [], output_node: true } } }));
  git(repo, ["add", "-A"]);
  git(repo, ["commit", "-q", "-m", "fixture"]);
  git(repo, ["tag", "v1.0.0"]);
  const list = path.join(baseDir, "node-list.json");
  writeFileSync(list, JSON.stringify({ custom_nodes: [{ id: "fixture-pack", title: "Fixture", author: "t", reference: repo, files: [repo], install_type: "git-clone", description: "" }] }));
  return { baseDir, env: { COMFYUI_SIM_NODE_LIST: list, COMFYUI_SIM_MANAGER_TASK_MS: "50", COMFYUI_SIM_MANAGER_IDLE_MS: "200", COMFYUI_SIM_VERSION: "0.3.76" } };
}

async function start(args: string[], setup: { baseDir: string; env: Record<string, string> }): Promise<SimHandle> {
  const sim = await startSim({ args, baseDir: setup.baseDir, env: setup.env });
  running.push(sim);
  return sim;
}

describe("manager v4", () => {
  test("answers its version under /api/v2", async () => {
    const sim = await start(["--enable-manager"], fixture());

    const response = await fetch(`${sim.url}/api/v2/manager/version`);

    expect(await response.text()).toBe("V4.2.2");
  });

  test("rejects a text/plain queue start", async () => {
    const sim = await start(["--enable-manager"], fixture());

    const response = await fetch(`${sim.url}/v2/manager/queue/start`, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "" });

    expect(response.status).toBe(400);
  });

  test("installs a task's pack and reports it to the client", async () => {
    const setup = fixture();
    const sim = await start(["--enable-manager"], setup);
    const socket = await SocketRecorder.open(sim.url, "client-a");
    sockets.push(socket);

    await fetch(`${sim.url}/v2/manager/queue/task`, { method: "POST", body: JSON.stringify({ ui_id: "t1", client_id: "client-a", kind: "install", params: { id: "fixture-pack", version: "1.0.0", selected_version: "latest", mode: "cache", channel: "default" } }) });
    const first = await fetch(`${sim.url}/v2/manager/queue/start`, { method: "POST" });
    const second = await fetch(`${sim.url}/v2/manager/queue/start`, { method: "POST" });
    await socket.waitFor((message) => message.type === "cm-queue-status" && message.data.status === "all-done", "all-done");
    const completed = socket.frames.find((frame) => frame.kind === "json" && frame.message.type === "cm-task-completed");
    const installed = (await (await fetch(`${sim.url}/v2/customnode/installed`)).json()) as Record<string, { ver: string }>;
    const imported = (await (await fetch(`${sim.url}/v2/customnode/installed?mode=imported`)).json()) as Record<string, unknown>;

    expect(first.status).toBe(200);
    expect(second.status).toBe(201);
    expect(completed?.kind === "json" ? completed.message.data.result : null).toBe("success");
    expect(installed["fixture-pack"]?.ver).toBe("1.0.0");
    expect(imported).toEqual({});
  });

  test("fails an install task when security_level is strong", async () => {
    const setup = fixture();
    mkdirSync(path.join(setup.baseDir, "user", "__manager"), { recursive: true });
    writeFileSync(path.join(setup.baseDir, "user", "__manager", "config.ini"), "[default]\nsecurity_level = strong\n");
    const sim = await start(["--enable-manager"], setup);
    const socket = await SocketRecorder.open(sim.url, "client-b");
    sockets.push(socket);

    await fetch(`${sim.url}/v2/manager/queue/task`, { method: "POST", body: JSON.stringify({ ui_id: "t2", client_id: "client-b", kind: "install", params: { id: "fixture-pack", selected_version: "latest" } }) });
    await fetch(`${sim.url}/v2/manager/queue/start`, { method: "POST" });
    const completed = await socket.waitFor((message) => message.type === "cm-task-completed", "cm-task-completed");

    expect(completed.data.result).toBe("failed");
  });

  test("serves the installed pack's classes after a restart", async () => {
    const setup = fixture();
    const first = await start(["--enable-manager"], setup);
    await fetch(`${first.url}/v2/manager/queue/task`, { method: "POST", body: JSON.stringify({ ui_id: "t3", client_id: "c", kind: "install", params: { id: "fixture-pack", selected_version: "latest" } }) });
    await fetch(`${first.url}/v2/manager/queue/start`, { method: "POST" });
    for (let tries = 0; tries < 100; tries += 1) {
      const status = (await (await fetch(`${first.url}/v2/manager/queue/status`)).json()) as { is_processing: boolean };
      if (!status.is_processing) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await first.stop();

    const second = await start(["--enable-manager"], setup);
    const info = (await (await fetch(`${second.url}/object_info`)).json()) as Record<string, unknown>;

    expect(Object.keys(info)).toContain("SimFixture");
  });
});

describe("manager legacy", () => {
  function withLegacy(version: string): { baseDir: string; env: Record<string, string> } {
    const setup = fixture();
    const folder = path.join(setup.baseDir, "custom_nodes", "comfyui-manager");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "comfyui-sim.json"), JSON.stringify({ manager_version: version }));
    return setup;
  }

  test("answers its version under /api", async () => {
    const sim = await start([], withLegacy("V3.41"));

    expect(await (await fetch(`${sim.url}/api/manager/version`)).text()).toBe("V3.41");
  });

  test("starts its queue with GET before 3.40", async () => {
    const sim = await start([], withLegacy("V3.39.3"));

    expect((await fetch(`${sim.url}/manager/queue/start`)).status).toBe(200);
  });

  test("refuses installs on a core older than 0.3.76", async () => {
    const setup = withLegacy("V3.41");
    const sim = await start([], { ...setup, env: { ...setup.env, COMFYUI_SIM_VERSION: "0.3.64" } });

    const response = await fetch(`${sim.url}/manager/queue/install`, { method: "POST", body: JSON.stringify({ id: "fixture-pack", version: "1.0.0", ui_id: "x" }) });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain("comfyui_outdated");
  });

  test("reports each task result in the done message", async () => {
    const sim = await start([], withLegacy("V3.41"));
    const socket = await SocketRecorder.open(sim.url, "watcher");
    sockets.push(socket);

    await fetch(`${sim.url}/manager/queue/install`, { method: "POST", body: JSON.stringify({ id: "fixture-pack", version: "1.0.0", selected_version: "latest", ui_id: "fx" }) });
    await fetch(`${sim.url}/manager/queue/start`, { method: "POST" });
    const done = await socket.waitFor((message) => message.type === "cm-queue-status" && message.data.status === "done", "done");

    expect(done.data.nodepack_result).toEqual({ fx: "success" });
  });
});
