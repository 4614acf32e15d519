// Auto-stop against the real stack and the loopback fake of vast.ai. The edge in workerd reads
// the instance's price from the fake and raises the idle alert after one idle minute. After a
// one-minute grace it stops the machine through the fake's stop endpoint. While an output file
// waits to be uploaded the stop is held back with the reason; once no file is unsynced the
// next check stops the machine, exactly once.
// NOTE: the stack cannot reach the object's test clock (rewindForTest is an RPC method with no
// route), so this runs the shortest real durations the alert settings accept: about 3-4 min.
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FakeProviders } from "@comfycarry/fake-providers";
import { alertListSchema, autoStopStatusSchema, instanceOverviewSchema } from "@comfycarry/shared";
import type { Alert, AutoStopStatus, Overview } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BrowserSocketRecorder, Stack, waitFor } from "../src/index.js";

const VAST_KEY = "vast-test-key";
const MACHINE_ID = "2002";
const GRACE_MINUTES = 1;
// The reporter uploads an output once it stayed unchanged this long. The test keeps changing
// one file faster than that, so the file stays unsynced and no sync job starts.
const WATCH_STABLE_MS = 20_000;
const REWRITE_EVERY_MS = 3_000;

let stateDir: string;
let providers: FakeProviders;
let stack: Stack;
let recorder: BrowserSocketRecorder;
let outputFile: string;
let rewriter: NodeJS.Timeout | undefined;

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { origin: stack.edge.url, cookie: stack.client.sessionCookie ?? "" };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
  }
  return fetch(`${stack.edge.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function autoStop(): Promise<AutoStopStatus> {
  const response = await api("GET", `/api/instances/${stack.instanceId}/auto-stop`);
  return autoStopStatusSchema.parse(await response.json());
}

async function syncSection(): Promise<Overview["sync"] | null> {
  const response = await api("GET", `/api/instances/${stack.instanceId}/overview`);
  return instanceOverviewSchema.parse(await response.json()).snapshot?.sync ?? null;
}

async function idleAlert(): Promise<Alert | undefined> {
  const response = await api("GET", `/api/instances/${stack.instanceId}/alerts?state=all`);
  return alertListSchema.parse(await response.json()).alerts.find((alert) => alert.rule === "gpu_idle");
}

function stopCalls(): number {
  return providers.stopCalls("vast", MACHINE_ID);
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-auto-stop-"));
  providers = new FakeProviders({ vastApiKey: VAST_KEY });
  await providers.start();
  providers.vast.set(MACHINE_ID, { id: MACHINE_ID, dollarsPerHour: 0.5, state: "running" });

  stack = await Stack.start({
    stateDir,
    preset: "h100",
    stepMs: 20,
    sync: { seedRemote: true, outputsRule: true, watchStableMs: WATCH_STABLE_MS },
    edgeVars: { VAST_BASE_URL: providers.vastBaseUrl, VAST_API_KEY: VAST_KEY },
  });
  // A watching browser makes the reporter send a snapshot every 2 s instead of every 60 s.
  recorder = new BrowserSocketRecorder(stack.client.openBrowserSocket(stack.instanceId));
  await recorder.opened();

  const priced = await api("PUT", `/api/instances/${stack.instanceId}/price`, { source: "vast", provider_id: MACHINE_ID });
  if (!priced.ok) {
    throw new Error(`setting the vast.ai price failed with ${priced.status}: ${await priced.text()}`);
  }

  const outputDir = join(stack.workspaceDir, "ComfyUI", "output");
  await mkdir(outputDir, { recursive: true });
  outputFile = join(outputDir, "held-back.png");
  await writeFile(outputFile, "still being written");
  rewriter = setInterval(() => {
    void appendFile(outputFile, ".").catch(() => undefined);
  }, REWRITE_EVERY_MS);
  await waitFor("the snapshot to show one unsynced file", async () => {
    const sync = await syncSection();
    return sync?.available === true && sync.unsynced_files === 1;
  }, 90_000, 1_000);
}, 300_000);

afterAll(async () => {
  clearInterval(rewriter);
  recorder?.close();
  await stack?.stop();
  await providers?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe("auto-stop", () => {
  it("is off before settings enable it", async () => {
    const status = await autoStop();

    expect(status.state).toBe("off");
    expect(stopCalls()).toBe(0);
  });

  it("waits for unsynced files and says why", async () => {
    const saved = await api("PUT", `/api/instances/${stack.instanceId}/alert-settings`, { idle_alert_minutes: 1, hourly_price: null, currency: "USD", auto_stop_grace_minutes: GRACE_MINUTES });
    expect(saved.status).toBe(200);

    await waitFor("the idle alert", async () => (await idleAlert())?.state === "active", 150_000, 2_000);
    expect((await autoStop()).state).toBe("scheduled");
    expect(stopCalls()).toBe(0);

    await waitFor("auto-stop to be held back", async () => (await autoStop()).state === "waiting", 150_000, 2_000);
    const status = await autoStop();

    expect(status.reason).toBe("unsynced_files");
    expect(status.unsynced_files).toBe(1);
    expect(stopCalls()).toBe(0);
  }, 330_000);

  it("stops once after idle plus grace when synced", async () => {
    // Removing the pending output leaves nothing to upload without starting a sync job, which would end the idle stretch.
    clearInterval(rewriter);
    // Let an append already under way finish, so it cannot create the file again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await rm(outputFile);
    await waitFor("the snapshot to show everything synced", async () => {
    const sync = await syncSection();
    return sync?.available === true && sync.safe === true;
  }, 60_000, 1_000);

    await waitFor("the stop request at the fake", async () => stopCalls() > 0, 150_000, 2_000);
    // A second stop would come with the next check, RECHECK_MS (60 s) later at most.
    await new Promise((resolve) => setTimeout(resolve, 65_000));
    const status = await autoStop();
    const alert = await idleAlert();

    expect(stopCalls()).toBe(1);
    expect(status.state).toBe("stopped");
    expect(providers.vast.get(MACHINE_ID)?.state).toBe("stopped");
    expect(alert).toBeDefined();
    expect(Date.parse(status.at ?? "")).toBeGreaterThanOrEqual(Date.parse(alert?.raised_at ?? "") + GRACE_MINUTES * 60_000);
  }, 330_000);
});
