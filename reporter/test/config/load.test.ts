import { describe, expect, it } from "vitest";

import { loadConfig, reporterSocketUrl } from "../../src/config/load.js";

const TOKEN = "tok_0123456789abcdef0123";
const BASE = { EDGE_URL: "http://127.0.0.1:8787/", COMFYCARRY_INSTANCE_ID: "gpu-1", COMFYCARRY_INSTANCE_TOKEN: TOKEN };

describe("loadConfig", () => {
  it("applies defaults", () => {
    const config = loadConfig({ env: BASE });

    expect(config).toMatchObject({
      workspaceDir: "/workspace",
      comfyuiDir: "/workspace/ComfyUI",
      comfyuiUrl: "http://127.0.0.1:8188",
      edgeUrl: "http://127.0.0.1:8787",
      stateDir: "/workspace/.comfycarry",
      comfyuiService: "comfy",
      comfyuiProxyPort: 0,
      logLevel: "info",
    });
  });

  it("lets the environment win over the file", () => {
    const file = JSON.stringify({ COMFYUI_SERVICE: "from-file", LOG_LEVEL: "debug" });
    const config = loadConfig({
      env: { ...BASE, COMFYCARRY_CONFIG: "/etc/cc.json", COMFYUI_SERVICE: "from-env" },
      readFile: () => file,
    });

    expect(config.comfyuiService).toBe("from-env");
    expect(config.logLevel).toBe("debug");
  });

  it("names the variable, value and fix of a bad value", () => {
    expect(() => loadConfig({ env: { ...BASE, COMFYUI_URL: "ftp://box" } })).toThrow(
      /COMFYUI_URL is invalid: "ftp:\/\/box".*Set COMFYUI_URL/,
    );
  });

  it("hides a bad token value", () => {
    let message = "";
    try {
      loadConfig({ env: { ...BASE, COMFYCARRY_INSTANCE_TOKEN: "short-secret" } });
    } catch (error) {
      message = error instanceof Error ? error.message : "";
    }

    expect(message).toContain("COMFYCARRY_INSTANCE_TOKEN");
    expect(message).not.toContain("short-secret");
  });

  it("rejects a missing edge URL", () => {
    expect(() => loadConfig({ env: { COMFYCARRY_INSTANCE_ID: "gpu-1", COMFYCARRY_INSTANCE_TOKEN: TOKEN } })).toThrow(/EDGE_URL is not set/);
  });

  it("reads the token from a private file", () => {
    const config = loadConfig({
      env: { ...BASE, COMFYCARRY_INSTANCE_TOKEN: undefined, COMFYCARRY_TOKEN_FILE: "/run/token" },
      readFile: () => `${TOKEN}\n`,
      fileMode: () => 0o100600,
    });

    expect(config.token).toBe(TOKEN);
  });

  it("rejects a token file others can read", () => {
    expect(() =>
      loadConfig({
        env: { ...BASE, COMFYCARRY_INSTANCE_TOKEN: undefined, COMFYCARRY_TOKEN_FILE: "/run/token" },
        readFile: () => TOKEN,
        fileMode: () => 0o100644,
      }),
    ).toThrow(/mode 0644.*chmod 600 \/run\/token/);
  });

  it("rejects an unknown key in the file", () => {
    expect(() => loadConfig({ env: { ...BASE, COMFYCARRY_CONFIG: "/etc/cc.json" }, readFile: () => '{"EDGE":"x"}' })).toThrow(/unknown key "EDGE"/);
  });
});

describe("reporterSocketUrl", () => {
  it("maps https to wss", () => {
    expect(reporterSocketUrl("https://edge.example")).toBe("wss://edge.example/api/reporter/ws");
  });

  it("maps http to ws", () => {
    expect(reporterSocketUrl("http://127.0.0.1:8787")).toBe("ws://127.0.0.1:8787/api/reporter/ws");
  });
});
