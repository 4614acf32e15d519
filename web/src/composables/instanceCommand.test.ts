import { MAX_COMMAND_DEADLINE_MS } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { deadlineFor, rejectedOption, sendCommand } from "./instanceCommand";
import { failWith, stubCommands } from "./testing/commandStub";

const ID = "studio-4090";
const PROCESS = { status: "online", pid: 7, restarts: 1, online: true, orphan_pid: null };

describe("sendCommand", () => {
  it("returns the parsed result", async () => {
    stubCommands({ "comfyui.stop": () => PROCESS });
    const result = await sendCommand(ID, "comfyui.stop", {});
    expect(result).toEqual({ ok: true, data: PROCESS });
  });

  it("sends the deadline it is given", async () => {
    const sent = stubCommands({ "comfyui.restart": () => PROCESS });
    await sendCommand(ID, "comfyui.restart", { wait_s: 180 }, { deadlineMs: deadlineFor(180) });
    expect(sent[0]?.deadline_ms).toBe(210_000);
  });

  it("returns the reporter's error with its parameters", async () => {
    stubCommands({ "comfyui.launch.check": () => failWith("invalid_arguments", "Invalid launch option", { option: "--bogus" }) });
    const result = await sendCommand(ID, "comfyui.launch.check", { options: {} });
    expect(result.ok ? null : rejectedOption(result.error)).toBe("--bogus");
  });

  it("rejects a result outside the schema", async () => {
    stubCommands({ "comfyui.stop": () => ({ status: "sleeping" }) });
    const result = await sendCommand(ID, "comfyui.stop", {});
    expect(result.ok ? null : result.error.code).toBe("invalid_response");
  });
});

describe("deadlineFor", () => {
  it("stays within the edge's limit", () => {
    expect(deadlineFor(3600)).toBe(MAX_COMMAND_DEADLINE_MS);
  });
});
