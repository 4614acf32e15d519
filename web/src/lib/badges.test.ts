import { describe, expect, it } from "vitest";

import { tunnelBadge } from "./badges";

import type { Overview } from "@comfycarry/shared";

const section = (patch: Partial<Extract<Overview["tunnel"], { available: true }>>): Overview["tunnel"] => ({ available: true, state: "online", links: [], ...patch });

describe("tunnel badge", () => {
  it("names a Cloudflare rate limit", () => {
    const badge = tunnelBadge(section({ state: "error", status: "rate_limited", next_attempt_at: "2026-12-04T10:00:10.000Z" }));
    expect(badge.level).toBe("red");
    expect(badge.value.key).toBe("tunnel.badge.rateLimited");
  });

  it("names rejected settings", () => {
    expect(tunnelBadge(section({ state: "error", status: "misconfigured" })).value.key).toBe("tunnel.badge.misconfigured");
  });

  it("keeps the plain error without a status", () => {
    expect(tunnelBadge(section({ state: "error" })).value.key).toBe("status.tunnel.error");
  });

  it("shows online as green", () => {
    expect(tunnelBadge(section({ state: "online", status: "online" })).level).toBe("green");
  });
});
