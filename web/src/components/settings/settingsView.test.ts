import { describe, expect, it } from "vitest";

import { curlExample, formatDateTime, onStartLine, shellQuote } from "./settingsView";

describe("shellQuote", () => {
  it.each([
    ["cce_abc-123", "cce_abc-123"],
    ["https://comfy.example.com:8443", "https://comfy.example.com:8443"],
    ["Studio 4090", "'Studio 4090'"],
    ["it's", `'it'\\''s'`],
    ["$(rm -rf /)", "'$(rm -rf /)'"],
    ["", "''"],
  ])("quotes %s as %s", (value, expected) => {
    expect(shellQuote(value)).toBe(expected);
  });
});

describe("onStartLine", () => {
  it("names the instance", () => {
    expect(onStartLine("https://comfy.example.com", "cce_k1", "Studio 4090")).toBe(
      "EDGE_URL=https://comfy.example.com ENROLL_KEY=cce_k1 INSTANCE_NAME='Studio 4090' bash bootstrap.sh",
    );
  });

  it("leaves out an empty name", () => {
    expect(onStartLine("http://127.0.0.1:8787", "cce_k1", "  ")).toBe("EDGE_URL=http://127.0.0.1:8787 ENROLL_KEY=cce_k1 bash bootstrap.sh");
  });
});

describe("curlExample", () => {
  it("sends the token as a bearer header", () => {
    expect(curlExample("http://127.0.0.1:8787", "cca_t1")).toBe("curl -s http://127.0.0.1:8787/api/instances -H 'Authorization: Bearer cca_t1'");
  });
});

describe("formatDateTime", () => {
  it("shows the time in the given zone", () => {
    expect(formatDateTime("2026-02-19T09:05:07.000Z", "en-GB", "Asia/Shanghai")).toBe("19/02/2026, 17:05:07");
  });

  it("follows the locale's date order", () => {
    expect(formatDateTime("2026-02-19T09:05:07.000Z", "zh-CN", "UTC")).toBe("2026/02/19 09:05:07");
  });
});
