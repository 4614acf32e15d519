import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ComfyCarryError, commandSchemas } from "@comfycarry/shared";
import type { CommandResultData } from "@comfycarry/shared";

import { thumbnail } from "../../src/comfyui-control/queue/thumbnail.js";
import { createHarness } from "./helpers/harness.js";
import type { Harness } from "./helpers/harness.js";
import { pollUntil } from "./helpers/poll.js";
import { queuePrompt, textToImage } from "./helpers/workflow.js";

// Three prompts of about 2 s each (100 steps of 20 ms); the third is deleted while pending.

type QueueList = CommandResultData<"comfyui.queue.list">;
type HistoryList = CommandResultData<"comfyui.history.list">;

let harness: Harness;
const ids: string[] = [];
let queued: QueueList;
let deleted: CommandResultData<"comfyui.queue.delete">;
let deleteRunning: CommandResultData<"comfyui.queue.delete">;
let history: HistoryList;

function historyOf(promptId: string | undefined): HistoryList["items"][number] | undefined {
  return history.items.find((item) => item.prompt_id === promptId);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof ComfyCarryError ? error.code : String(error);
  }
  return "no refusal";
}

beforeAll(async () => {
  harness = await createHarness();
  await harness.call("comfyui.start", {});
  for (const text of ["first", "second", "third"]) {
    ids.push(await queuePrompt(harness.url, textToImage(text, 100, ids.length + 1)));
  }

  queued = await pollUntil("one running and two pending", () => harness.call("comfyui.queue.list"), (queue) => queue.running.length === 1 && queue.pending.length === 2);
  deleted = await harness.call("comfyui.queue.delete", { prompt_ids: [ids[2] ?? ""] });
  deleteRunning = await harness.call("comfyui.queue.delete", { prompt_ids: [ids[0] ?? ""] });
  history = await pollUntil(
    "the first two prompts to finish",
    () => harness.call("comfyui.history.list", { limit: 10 }),
    (list) => list.items.filter((item) => item.status === "success").length === 2,
    20_000,
  );
}, 60_000);

afterAll(async () => {
  await harness.close();
});

describe("comfyui.queue.list", () => {
  it("shows the first prompt running", () => {
    expect(queued.running.map((entry) => entry.prompt_id)).toEqual([ids[0]]);
  });

  it("shows the other two pending in run order", () => {
    expect(queued.pending.map((entry) => entry.prompt_id)).toEqual([ids[1], ids[2]]);
  });

  it("gives every item a submit time", () => {
    expect([...queued.running, ...queued.pending].every((entry) => entry.submitted_at !== null)).toBe(true);
  });

  it("counts the graph's nodes", () => {
    expect(queued.running[0]?.node_count).toBe(7);
  });

  it("names the client that queued it", () => {
    expect(queued.running[0]?.client_id).toBe("test");
  });
});

describe("comfyui.queue.delete", () => {
  it("removes a pending prompt", () => {
    expect(deleted.deleted).toEqual([ids[2]]);
  });

  it("leaves the running prompt and says so", () => {
    expect(deleteRunning.not_deleted).toEqual([ids[0]]);
  });

  it("keeps the deleted prompt out of history", () => {
    expect(historyOf(ids[2])).toBeUndefined();
  });
});

describe("comfyui.history.list", () => {
  it("lists the newest first", () => {
    expect(history.items.map((item) => item.prompt_id)).toEqual([ids[1], ids[0]]);
  });

  it("reports success with a duration", () => {
    expect(historyOf(ids[0])?.duration_ms).toBeGreaterThan(0);
  });

  it("ends after it starts", () => {
    const item = historyOf(ids[0]);
    expect(Date.parse(item?.ended_at ?? "") >= Date.parse(item?.started_at ?? "")).toBe(true);
  });

  it("lists the saved image", () => {
    expect(historyOf(ids[0])?.images[0]).toMatchObject({ type: "output", subfolder: "" });
  });
});

describe("comfyui.view.thumbnail", () => {
  it("returns bytes that decode as an image", async () => {
    const image = historyOf(ids[0])?.images[0];
    const result = await harness.call("comfyui.view.thumbnail", { filename: image?.filename ?? "", subfolder: image?.subfolder ?? "", type: "output" });
    const bytes = Buffer.from(result.data_base64, "base64");
    const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
    const png = bytes.subarray(1, 4).toString("latin1") === "PNG";
    const webp = bytes.subarray(8, 12).toString("latin1") === "WEBP";
    expect({ type: result.content_type.startsWith("image/"), decodes: jpeg || png || webp }).toEqual({ type: true, decodes: true });
  });

  it("refuses an image over the cap", async () => {
    const image = historyOf(ids[0])?.images[0];
    const target = { filename: image?.filename ?? "", subfolder: "", type: "output" as const };
    expect(await refusal(thumbnail(harness.url, target, 16))).toBe("payload_too_large");
  });

  it("answers not_found for a missing file", async () => {
    expect(await refusal(harness.call("comfyui.view.thumbnail", { filename: "missing_00001_.png" }))).toBe("not_found");
  });
});

describe("thumbnail path checks", () => {
  const args = commandSchemas["comfyui.view.thumbnail"].args;

  it("refuses '..' in the file name", () => {
    expect(args.safeParse({ filename: "../secret.png" }).success).toBe(false);
  });

  it("refuses a file name with a folder", () => {
    expect(args.safeParse({ filename: "a/b.png" }).success).toBe(false);
  });

  it("refuses an absolute subfolder", () => {
    expect(args.safeParse({ filename: "a.png", subfolder: "/etc" }).success).toBe(false);
  });

  it("refuses '..' in the subfolder", () => {
    expect(args.safeParse({ filename: "a.png", subfolder: "x/../../.." }).success).toBe(false);
  });

  it("refuses a type other than output, input or temp", () => {
    expect(args.safeParse({ filename: "a.png", type: "models" }).success).toBe(false);
  });

  it("accepts a nested relative subfolder", () => {
    expect(args.safeParse({ filename: "cat_00001_.png", subfolder: "portraits/cats" }).success).toBe(true);
  });

  it("refuses a traversing subfolder in the reporter too", async () => {
    expect(await refusal(thumbnail(harness.url, { filename: "a.png", subfolder: "../..", type: "output" }))).toBe("invalid_arguments");
  });
});
