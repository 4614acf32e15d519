import { describe, expect, it } from "vitest";

import { availableActions, isWebUrl, statusTagType } from "./tunnelView";

import type { TunnelView } from "@comfycarry/shared";

const view = (patch: Partial<TunnelView>): TunnelView => ({
  mode: "quick",
  status: "online",
  enabled: true,
  links: [],
  services: [],
  api: null,
  rate_limit: null,
  problem: null,
  connections: 1,
  ...patch,
});

describe("tunnel view", () => {
  it("colours a rate limit as an error", () => {
    expect(statusTagType("rate_limited")).toBe("error");
  });

  it("colours connecting as a warning", () => {
    expect(statusTagType("connecting")).toBe("warning");
  });

  it("offers stop and restart while enabled", () => {
    expect(availableActions(view({ enabled: true }))).toEqual({ start: false, stop: true, restart: true });
  });

  it("offers only start while disabled", () => {
    expect(availableActions(view({ enabled: false, status: "stopped" }))).toEqual({ start: true, stop: false, restart: false });
  });

  it("offers nothing without a mode", () => {
    expect(availableActions(view({ mode: null }))).toEqual({ start: false, stop: false, restart: false });
  });

  it("accepts only http and https links", () => {
    expect(isWebUrl("https://a-b.trycloudflare.com")).toBe(true);
    expect(isWebUrl("javascript:alert(1)")).toBe(false);
  });
});
