import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import {
  browserMessageSchema,
  commandSchemas,
  edgeToReporterMessageSchema,
  isProtocolVersionSupported,
  overviewSchema,
  parseFrame,
  reporterMessageSchema,
  PROTOCOL_VERSION,
} from "../src/index.js";

const example: unknown = JSON.parse(readFileSync(new URL("../examples/overview.example.json", import.meta.url), "utf8"));

describe("overview schema", () => {
  it("parses the checked-in example", () => {
    expect(overviewSchema.safeParse(example).success).toBe(true);
  });

  it("rejects a timestamp with an offset", () => {
    const bad = { ...(example as Record<string, unknown>), captured_at: "2026-02-18T09:32:47+08:00" };
    expect(overviewSchema.safeParse(bad).success).toBe(false);
  });

  it("rejects a missing section", () => {
    const { sync: _sync, ...rest } = example as Record<string, unknown>;
    expect(overviewSchema.safeParse(rest).success).toBe(false);
  });

  it("rejects a tunnel given as a boolean", () => {
    const bad = { ...(example as Record<string, unknown>), tunnel: { available: true, running: true, links: [] } };
    expect(overviewSchema.safeParse(bad).success).toBe(false);
  });
});

describe("frame parsing", () => {
  it("names the failing path without echoing values", () => {
    const outcome = parseFrame(reporterMessageSchema, JSON.stringify({ type: "ping", at: "secret-token-123" }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.issues).toContain("at");
      expect(outcome.issues).not.toContain("secret-token-123");
    }
  });

  it("rejects invalid JSON", () => {
    expect(parseFrame(browserMessageSchema, "{").ok).toBe(false);
  });

  it("accepts both command result variants", () => {
    const id = "5f0c3c6e-2b9a-4d1e-8f7a-6b5c4d3e2f1a";
    expect(parseFrame(reporterMessageSchema, JSON.stringify({ type: "command_result", id, ok: true, data: {} })).ok).toBe(true);
    const failed = { type: "command_result", id, ok: false, error: { code: "pm2_failed", message: "x" } };
    expect(parseFrame(reporterMessageSchema, JSON.stringify(failed)).ok).toBe(true);
    const unknownCode = { ...failed, error: { code: "nope", message: "x" } };
    expect(parseFrame(reporterMessageSchema, JSON.stringify(unknownCode)).ok).toBe(false);
  });

  it("rejects commands outside the allowlist", () => {
    const frame = { type: "command", id: "5f0c3c6e-2b9a-4d1e-8f7a-6b5c4d3e2f1a", name: "shell.exec", args: {}, deadline: "2026-02-18T09:32:47.000Z" };
    expect(parseFrame(edgeToReporterMessageSchema, JSON.stringify(frame)).ok).toBe(false);
  });
});

describe("command arguments", () => {
  it("rejects a service name that reads as a flag", () => {
    expect(commandSchemas["service.restart"].args.safeParse({ name: "--all" }).success).toBe(false);
    expect(commandSchemas["service.restart"].args.safeParse({ name: "comfy" }).success).toBe(true);
  });

  it("rejects unknown argument keys", () => {
    expect(commandSchemas["comfyui.queue.clear"].args.safeParse({ force: true }).success).toBe(false);
  });
});

describe("protocol version", () => {
  it("accepts the current version only within range", () => {
    expect(isProtocolVersionSupported(PROTOCOL_VERSION)).toBe(true);
    expect(isProtocolVersionSupported(PROTOCOL_VERSION + 1)).toBe(false);
    expect(isProtocolVersionSupported(0)).toBe(false);
  });
});
