import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { JournaledPrompt } from "@comfycarry/shared";

import type { RunningReporter } from "../../src/app.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { createHarness } from "./helpers/harness.js";
import { pollUntil } from "./helpers/poll.js";
import type { Harness } from "./helpers/harness.js";
import { command, edgeEvents, startWholeReporter } from "./helpers/reporter.js";
import { queuePrompt, textToImage } from "./helpers/workflow.js";

// Three prompts queued; ComfyUI killed and the reporter restarted while the second runs.

let harness: Harness;
let edge: FakeEdge;
let reporter: RunningReporter | null = null;
const ids: string[] = [];
let journal: JournaledPrompt[] = [];

async function readJournal(): Promise<JournaledPrompt[]> {
  const result = (await command(edge, "comfyui.prompts.journal")) as { prompts: JournaledPrompt[] };
  return result.prompts;
}

function stateOf(promptId: string | undefined): string | undefined {
  return journal.find((row) => row.prompt_id === promptId)?.state;
}

beforeAll(async () => {
  harness = await createHarness();
  await harness.call("comfyui.start", {});
  edge = await FakeEdge.start();
  reporter = await startWholeReporter(harness, edge);

  // 100 steps of 20 ms: each prompt runs about 2 s.
  for (const text of ["first", "second", "third"]) {
    ids.push(await queuePrompt(harness.url, textToImage(text, 100, ids.length + 1)));
  }
  await waitFor("the second prompt to start", () => edgeEvents(edge).some((event) => event.kind === "comfyui.execution_start" && event.prompt_id === ids[1]), 20_000);
  journal = await pollUntil("the journal to hold all three", readJournal, (rows) => rows.length === 3);

  const pid = (await harness.call("comfyui.status")).process.pid ?? 0;
  process.kill(pid, "SIGKILL");
  await reporter.stop();
  reporter = await startWholeReporter(harness, edge);
  await harness.call("comfyui.start", {});
  journal = await readJournal();
}, 90_000);

afterAll(async () => {
  await reporter?.stop();
  await edge.close();
  await harness.close();
});

describe("prompt journal across a crash and a reporter restart", () => {
  it("keeps the finished first prompt as done", () => {
    expect(stateOf(ids[0])).toBe("done");
  });

  it("lists the running second prompt as lost", () => {
    expect(stateOf(ids[1])).toBe("lost");
  });

  it("lists the pending third prompt as lost", () => {
    expect(stateOf(ids[2])).toBe("lost");
  });

  it("reports no lost prompt as done", () => {
    expect(journal.filter((row) => row.state === "done").map((row) => row.prompt_id)).toEqual([ids[0]]);
  });

  it("queues the lost prompts again and sees them finish", async () => {
    const lost = [ids[1], ids[2]].filter((id): id is string => id !== undefined);

    const result = (await command(edge, "comfyui.prompts.requeue", { prompt_ids: lost })) as { requeued: Array<{ from: string; to: string }> };
    const newIds = result.requeued.map((pair) => pair.to);
    journal = await pollUntil("both requeued prompts to finish", readJournal, (rows) => newIds.every((id) => rows.find((row) => row.prompt_id === id)?.state === "done"), 20_000);

    expect(result.requeued.map((pair) => pair.from)).toEqual(lost);
    expect(lost.map(stateOf)).toEqual(["requeued", "requeued"]);
  });
});
