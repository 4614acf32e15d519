import { existsSync } from "node:fs";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createHarness } from "./helpers/harness.js";
import type { Harness } from "./helpers/harness.js";
import { pollUntil } from "./helpers/poll.js";
import { queuePrompt, textToImage } from "./helpers/workflow.js";

// ComfyUI crashes on its first prompt with a CUDA traceback, then restarts twice; the log rotates at 1 KiB.

const TRACEBACK = "torch.AcceleratorError: CUDA error: an illegal memory access was encountered";
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness({
    env: { COMFYUI_LOG_MAX_BYTES: "1024", COMFYUI_LOG_KEEP: "3" },
    prepare: () => {
      process.env["COMFYUI_SIM_CRASH"] = "prompt";
      return Promise.resolve();
    },
  });
  await harness.call("comfyui.start", {});
  await queuePrompt(harness.url, textToImage("crash"));
  await pollUntil("ComfyUI to crash and come back", () => harness.call("comfyui.status"), (status) => status.process.restarts >= 1 && status.process.online);
  await harness.call("comfyui.restart", {});
  await harness.call("comfyui.restart", {});
}, 90_000);

afterAll(async () => {
  await harness.close();
});

describe("ComfyUI logs", () => {
  it("keeps the crash traceback after two restarts", async () => {
    const found = await harness.call("comfyui.logs.search", { query: "AcceleratorError" });

    expect(found.lines.map((line) => line.text)).toContain(TRACEBACK);
  });

  it("rotates the log file past its size limit", () => {
    expect(existsSync(join(harness.root, "state", "comfyui", "logs", "comfyui.log.1"))).toBe(true);
  });

  it("returns the last lines with their numbers", async () => {
    const tail = await harness.call("comfyui.logs.tail", { lines: 5, follow: false });

    expect(tail.lines).toHaveLength(5);
    expect(tail.lines.at(-1)?.n).toBe(tail.total - 1);
  });

  it("reads an older line by its number", async () => {
    const [hit] = (await harness.call("comfyui.logs.search", { query: "AcceleratorError" })).lines;

    const older = await harness.call("comfyui.logs.older", { before: (hit?.n ?? 0) + 1, lines: 1 });

    expect(older.lines).toEqual([hit]);
  });

  it("downloads the whole log in chunks", async () => {
    let offset = 0;
    let text = "";
    for (;;) {
      const chunk = await harness.call("comfyui.logs.download", { offset, length: 1000 });
      text += chunk.text;
      offset = chunk.next_offset;
      if (chunk.eof) {
        expect(offset).toBe(chunk.size);
        break;
      }
    }

    expect(text).toContain(TRACEBACK);
  });

  it("streams new lines as log events while followed", async () => {
    await harness.call("comfyui.logs.tail", { lines: 1, follow: true, follow_s: 30 });
    await harness.call("comfyui.restart", {});

    const lines = await pollUntil(
      "the ready line as a log event",
      () => Promise.resolve(harness.events.flatMap((event) => (event.kind === "log" && event.source === "comfyui" ? event.lines : []))),
      (seen) => seen.some((line) => line.startsWith("To see the GUI go to")),
    );

    expect(lines.some((line) => line.startsWith("To see the GUI go to"))).toBe(true);
  });
});
