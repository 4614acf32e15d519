import { describe, expect, it } from "vitest";

import { newestStableTag, repositoryFolder } from "../../src/deploy/git-run.js";
import { conflictReason } from "../../src/deploy/pip-run.js";
import { failedImports } from "../../src/deploy/steps/crash-log.js";

describe("newest stable tag", () => {
  it("skips release candidates and compares numerically", () => {
    const lines = ["aaa\trefs/tags/v0.3.9", "bbb\trefs/tags/v0.3.10", "ccc\trefs/tags/v0.4.0-rc1", "ddd\trefs/tags/v0.3.10^{}"];

    expect(newestStableTag(lines)).toBe("v0.3.10");
  });

  it("returns null without stable tags", () => {
    expect(newestStableTag(["aaa\trefs/tags/nightly"])).toBeNull();
  });
});

describe("repository folder", () => {
  it("drops .git and a trailing slash", () => {
    expect(repositoryFolder("https://github.com/owner/ComfyUI-Impact-Pack.git/")).toBe("ComfyUI-Impact-Pack");
  });
});

describe("pip conflict reason", () => {
  it("names both sides of the conflict", () => {
    const lines = [
      "The conflict is caused by:",
      "    array-tools 3.0.0 depends on numpy>=2",
      "    The user requested (constraint) numpy==1.26.4",
      "To fix this you could try to:",
      "1. loosen the range of package versions you've specified",
    ];

    expect(conflictReason(lines)).toBe("conflicting requirements: array-tools 3.0.0 depends on numpy>=2; The user requested (constraint) numpy==1.26.4");
  });

  it("reports a missing distribution", () => {
    expect(conflictReason(["ERROR: No matching distribution found for not-a-package"])).toBe("No matching distribution found for not-a-package");
  });
});

describe("failed imports", () => {
  const dir = "/w/ComfyUI/custom_nodes";

  it("finds the pack and its message", () => {
    const log = [`Cannot import ${dir}/bad-pack module for custom nodes: libfoo.so: cannot open`, "Import times for custom nodes:", `   0.1 seconds (IMPORT FAILED): ${dir}/bad-pack`].join("\n");

    expect(failedImports(log, dir)).toEqual([{ name: "bad-pack", reason: "libfoo.so: cannot open" }]);
  });

  it("ignores packs outside custom_nodes", () => {
    expect(failedImports(`   0.1 seconds (IMPORT FAILED): /elsewhere/pack`, dir)).toEqual([]);
  });

  it("keeps a pack known only from the import times", () => {
    expect(failedImports(`   0.0 seconds (IMPORT FAILED): ${dir}/single.py`, dir)).toEqual([{ name: "single", reason: "import failed (see the ComfyUI log)" }]);
  });
});
