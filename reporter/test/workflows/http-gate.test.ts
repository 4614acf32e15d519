import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";

import { afterEach, describe, expect, it } from "vitest";

import type { GateOutcome } from "../../src/workflows/on-demand/gate.js";
import { MAX_GATED_BODY_BYTES, gatePromptRequest } from "../../src/workflows/on-demand/http-gate.js";
import { silentLog } from "./helpers.js";

let server: Server | null = null;

/** Starts a proxy stand-in whose `forward` echoes the replayed body back as `forwarded:<body>`. */
async function start(outcome: GateOutcome | "throw"): Promise<{ url: string; seen: unknown[] }> {
  const seen: unknown[] = [];
  const gate = (body: unknown): Promise<GateOutcome> => {
    seen.push(body);
    return outcome === "throw" ? Promise.reject(new Error("gate failed")) : Promise.resolve(outcome);
  };
  server = createServer((request, response) => {
    void gatePromptRequest(request, response, gate, (body: Readable) => {
      const chunks: Buffer[] = [];
      body.on("data", (chunk: Buffer) => chunks.push(chunk));
      body.on("end", () => response.end(`forwarded:${Buffer.concat(chunks).toString("utf8")}`));
    }, silentLog);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prompt`, seen };
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

const body = JSON.stringify({ prompt: { "1": { class_type: "SaveImage", inputs: {} } }, client_id: "c1" });

describe("prompt gate over HTTP", () => {
  it("forwards a passing prompt byte for byte", async () => {
    const { url, seen } = await start({ kind: "pass" });
    const response = await fetch(url, { method: "POST", body });
    expect(await response.text()).toBe(`forwarded:${body}`);
    expect(seen).toEqual([JSON.parse(body)]);
  });

  it("answers a held prompt with its id", async () => {
    const held: GateOutcome = { kind: "held", promptId: "p-1", models: ["checkpoints/a.safetensors"], response: { prompt_id: "p-1", number: 0, node_errors: {} }, done: Promise.resolve() };
    const { url } = await start(held);
    const response = await fetch(url, { method: "POST", body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ prompt_id: "p-1", number: 0, node_errors: {} });
  });

  it("forwards a body that is not JSON", async () => {
    const { url, seen } = await start({ kind: "pass" });
    const response = await fetch(url, { method: "POST", body: "not json" });
    expect(await response.text()).toBe("forwarded:not json");
    expect(seen).toEqual([]);
  });

  it("rejects an oversized body with 413", async () => {
    const { url, seen } = await start({ kind: "pass" });
    const response = await fetch(url, { method: "POST", body: Buffer.alloc(MAX_GATED_BODY_BYTES + 1, 0x20) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe("request_too_large");
    expect(seen).toEqual([]);
  });

  it("forwards when the gate fails", async () => {
    const { url } = await start("throw");
    const response = await fetch(url, { method: "POST", body });
    expect(await response.text()).toBe(`forwarded:${body}`);
  });
});
