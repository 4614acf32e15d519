import type { ProtocolEvent } from "@comfycarry/shared";
import { PROMPT_LOST_EXCEPTION } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { RunningReporter } from "../../src/app.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { createHarness } from "./helpers/harness.js";
import type { Harness } from "./helpers/harness.js";
import { command, edgeEvents, startWholeReporter } from "./helpers/reporter.js";
import { queuePrompt, textToImage } from "./helpers/workflow.js";

// The ComfyUI page's restart and stop go through ComfyUI control, not the service manager.
// The reporter must still end the running prompt and zero the queue counts at once.

let harness: Harness;
let edge: FakeEdge;
let reporter: RunningReporter | null = null;
let restartedPrompt = "";
let stoppedPrompt = "";
let queueAfterRestart = { running: -1, pending: -1 };

/** Queues three slow prompts, waits until the first one runs, and returns its id. */
async function busyQueue(): Promise<string> {
  const ids: string[] = [];
  // 100 steps of 20 ms: each prompt runs about 2 s.
  for (const text of ["first", "second", "third"]) {
    ids.push(await queuePrompt(harness.url, textToImage(text, 100, ids.length + 1)));
  }
  const first = ids[0] ?? "";
  await waitFor("the first prompt to start", () => edgeEvents(edge).some((event) => event.kind === "comfyui.execution_start" && event.prompt_id === first), 20_000);
  return first;
}

function lostError(promptId: string): (ProtocolEvent & { kind: "comfyui.execution_error" }) | undefined {
  return edgeEvents(edge).find((event): event is ProtocolEvent & { kind: "comfyui.execution_error" } => event.kind === "comfyui.execution_error" && event.prompt_id === promptId);
}

beforeAll(async () => {
  harness = await createHarness();
  await harness.call("comfyui.start", {});
  edge = await FakeEdge.start();
  reporter = await startWholeReporter(harness, edge);

  restartedPrompt = await busyQueue();
  await command(edge, "comfyui.restart", {});
  const view = reporter.bridge.view();
  queueAfterRestart = { running: view.queue_running, pending: view.queue_pending };

  stoppedPrompt = await busyQueue();
  await command(edge, "comfyui.stop");
}, 120_000);

afterAll(async () => {
  await reporter?.stop();
  await edge.close();
  await harness.close();
});

describe("queue after a restart or stop from the ComfyUI page", () => {
  it("ends the restarted prompt as lost", () => {
    expect(lostError(restartedPrompt)?.exception_type).toBe(PROMPT_LOST_EXCEPTION);
  });

  it("says the restart lost the prompt", () => {
    expect(lostError(restartedPrompt)?.exception_message).toContain("restarted");
  });

  it("has no running prompt after the restart", () => {
    expect(queueAfterRestart.running).toBe(0);
  });

  it("has no pending prompts after the restart", () => {
    expect(queueAfterRestart.pending).toBe(0);
  });

  it("ends the stopped prompt as lost", () => {
    expect(lostError(stoppedPrompt)?.exception_message).toContain("stopped");
  });
});
