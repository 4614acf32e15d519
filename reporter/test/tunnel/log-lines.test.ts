import { describe, expect, test } from "vitest";

import { retryDelayMs } from "../../src/tunnel/backoff.js";
import { cloudflaredArgs } from "../../src/tunnel/launch.js";
import { emptyFindings, readLine } from "../../src/tunnel/log-lines.js";

function findingsOf(lines: string[]) {
  const findings = emptyFindings();
  for (const line of lines) {
    readLine(findings, line);
  }
  return findings;
}

describe("cloudflared log lines", () => {
  test("quick URL comes from the box row", () => {
    const findings = findingsOf([
      "2026-12-04T10:00:00Z INF +--------------------------------------------------------------------------------------------+",
      "2026-12-04T10:00:00Z INF |  https://amber-basin-cedar-delta.trycloudflare.com                                         |",
    ]);
    expect(findings.quickUrl).toBe("https://amber-basin-cedar-delta.trycloudflare.com");
  });

  test("429 with 1015 is a rate limit", () => {
    const findings = findingsOf([
      `2026-12-04T10:00:00Z ERR Error unmarshaling QuickTunnel response: error code: 1015 error="invalid character 'e' looking for beginning of value" status_code="429 Too Many Requests"`,
      "failed to unmarshal quick Tunnel: invalid character 'e' looking for beginning of value",
    ]);
    expect(findings.rateLimited).toBe(true);
    expect(findings.misconfigured).toBeNull();
  });

  test("bare unmarshal line of old releases is a rate limit", () => {
    expect(findingsOf(["failed to unmarshal quick Tunnel: invalid character 'e' looking for beginning of value"]).rateLimited).toBe(true);
  });

  test("quick-service DNS failure is not a rate limit", () => {
    const findings = findingsOf([`failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: lookup api.trycloudflare.com: no such host`]);
    expect(findings.rateLimited).toBe(false);
    expect(findings.lastError).toContain("no such host");
  });

  test("invalid token is misconfigured", () => {
    const findings = findingsOf(["Provided Tunnel token is not valid.", "See 'cloudflared tunnel run --help'."]);
    expect(findings.misconfigured).toBe("Provided Tunnel token is not valid.");
  });

  test("unknown flag is misconfigured", () => {
    expect(findingsOf(["Incorrect Usage. flag provided but not defined: -no-prechecks"]).misconfigured).toContain("flag provided but not defined");
  });

  test("dial failure keeps the error field", () => {
    const findings = findingsOf([
      `2026-12-04T10:00:00Z ERR Failed to dial a quic connection error="failed to dial to edge with quic: timeout: no recent network activity" connIndex=0 event=0 ip=198.41.192.7`,
    ]);
    expect(findings.lastError).toBe("failed to dial to edge with quic: timeout: no recent network activity");
    expect(findings.misconfigured).toBeNull();
  });

  test("registrations of both formats are counted", () => {
    const findings = findingsOf([
      "2026-12-04T10:00:00Z INF Registered tunnel connection connIndex=0 connection=6e8f event=0 ip=198.41.200.10 location=lax08 protocol=quic",
      "2021-08-01T10:00:00Z INF Connection 6e8f0c2a registered connIndex=1 location=SEA",
      "2026-12-04T10:00:01Z INF Unregistered tunnel connection connIndex=0 event=0 ip=198.41.200.10",
    ]);
    expect(findings.registered).toBe(1);
  });
});

describe("tunnel backoff", () => {
  test("rate limit doubles from 10 s to 10 min", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((failures) => retryDelayMs("rate_limited", failures))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
  });

  test("other exits double from 2 s to 1 min", () => {
    expect([1, 2, 5, 6, 9].map((failures) => retryDelayMs("exited", failures))).toEqual([2_000, 4_000, 32_000, 60_000, 60_000]);
  });
});

describe("cloudflared arguments", () => {
  const base = { metricsAddress: "127.0.0.1:20300", configPath: "/state/tunnel/quick-config.yml", origin: "http://127.0.0.1:8189", tokenFile: "/state/tunnel/tunnel-token" };

  test("quick mode points --url at the origin", () => {
    expect(cloudflaredArgs({ ...base, mode: "quick" })).toEqual([
      "tunnel", "--no-autoupdate", "--metrics", "127.0.0.1:20300", "--config", "/state/tunnel/quick-config.yml", "--loglevel", "info", "--url", "http://127.0.0.1:8189",
    ]);
  });

  test("token mode reads the token from a file", () => {
    expect(cloudflaredArgs({ ...base, mode: "token" }).slice(-3)).toEqual(["run", "--token-file", "/state/tunnel/tunnel-token"]);
  });
});
