import { deployConfigSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { applyNodeChoices, deployRequestOf, durationText, nodeChoices, parseNodeUrls, reportCounts, rulesToCreate } from "./wizardModel";

import type { ImportedSyncRule } from "@comfycarry/shared";

const DEFAULTS = ["https://github.com/ltdrdata/ComfyUI-Manager", "https://github.com/pythongosssss/ComfyUI-Custom-Scripts"];

function rule(name: string, method: ImportedSyncRule["method"], confirmed: boolean): ImportedSyncRule {
  return {
    name,
    local_path: "ComfyUI/output",
    remote: "r2",
    remote_path: "ComfyCarry/output",
    direction: "push",
    method,
    mirror_confirmed: confirmed,
    trigger: { type: "manual" },
    filters: { include: [], exclude: [] },
    enabled: !(method === "mirror" && !confirmed),
  };
}

describe("nodeChoices", () => {
  it("turns off defaults the config disabled", () => {
    const config = deployConfigSchema.parse({ disabled_default_nodes: [DEFAULTS[1]] });

    const choices = nodeChoices(config, DEFAULTS);

    expect(choices.map((choice) => choice.enabled)).toEqual([true, false]);
  });

  it("lists extra nodes after the defaults", () => {
    const config = deployConfigSchema.parse({ request: { mode: "fresh", custom_nodes: [{ url: "https://github.com/kijai/ComfyUI-KJNodes" }] } });

    const choices = nodeChoices(config, DEFAULTS);

    expect(choices.at(-1)).toEqual({ url: "https://github.com/kijai/ComfyUI-KJNodes", default: false, enabled: true });
  });
});

describe("applyNodeChoices", () => {
  it("writes enabled nodes and disabled defaults", () => {
    const config = deployConfigSchema.parse({});
    const choices = [
      { url: DEFAULTS[0] ?? "", default: true, enabled: false },
      { url: DEFAULTS[1] ?? "", default: true, enabled: true },
      { url: "file:///srv/git/nodes-a.git", default: false, enabled: true },
    ];

    const next = applyNodeChoices(config, choices);

    expect(next.request.custom_nodes.map((node) => node.url)).toEqual([DEFAULTS[1], "file:///srv/git/nodes-a.git"]);
    expect(next.disabled_default_nodes).toEqual([DEFAULTS[0]]);
  });
});

describe("parseNodeUrls", () => {
  it("separates invalid lines", () => {
    const { urls, invalid } = parseNodeUrls(" https://github.com/a/b \n\n-c\ngit@github.com:x/y.git\nfile:///srv/git/n.git");

    expect(urls).toEqual(["https://github.com/a/b", "file:///srv/git/n.git"]);
    expect(invalid).toEqual(["-c", "git@github.com:x/y.git"]);
  });
});

describe("rulesToCreate", () => {
  it("holds back unconfirmed mirrors", () => {
    const rules = [rule("copy", "copy", false), rule("mirror", "mirror", false), rule("confirmed", "mirror", true)];

    expect(rulesToCreate(rules).map((item) => item.name)).toEqual(["copy", "confirmed"]);
  });
});

describe("deployRequestOf", () => {
  it("keeps the chosen ref and attention", () => {
    const config = deployConfigSchema.parse({ request: { mode: "restore", comfyui_ref: "v0.3.60", attention: "sage", remote: "r2" } });

    const request = deployRequestOf(config);

    expect(request.comfyui_ref).toBe("v0.3.60");
    expect(request.attention).toBe("sage");
    expect(request.remote).toBe("r2");
  });
});

describe("reportCounts", () => {
  it("counts each outcome", () => {
    const counts = reportCounts([
      { field: "a", outcome: "applied", target: "x", reason: null },
      { field: "b", outcome: "rejected", target: null, reason: "bad" },
      { field: "c", outcome: "not_applied", target: null, reason: "none" },
      { field: "d", outcome: "applied", target: "y", reason: null },
    ]);

    expect(counts).toEqual({ applied: 2, rejected: 1, not_applied: 1 });
  });
});

describe("durationText", () => {
  it("formats seconds and minutes", () => {
    expect(durationText({ duration_ms: null })).toBeNull();
    expect(durationText({ duration_ms: 1234 })).toBe("1.2 s");
    expect(durationText({ duration_ms: 185_000 })).toBe("3 min 05 s");
  });
});
