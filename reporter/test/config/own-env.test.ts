import { describe, expect, it } from "vitest";

import { dropReporterOnlyEnv } from "../../src/config/own-env.js";

describe("dropReporterOnlyEnv", () => {
  it("removes the listed variables", () => {
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072", COMFYCARRY_REPORTER_ONLY_ENV: "MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_" };
    dropReporterOnlyEnv(env);
    expect(env).toEqual({});
  });

  it("keeps variables it does not list", () => {
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: "4", PATH: "/usr/bin", COMFYCARRY_REPORTER_ONLY_ENV: "" };
    dropReporterOnlyEnv(env);
    expect(env).toEqual({ MALLOC_ARENA_MAX: "4", PATH: "/usr/bin" });
  });

  it("ignores names that are not variable names", () => {
    const env: NodeJS.ProcessEnv = { PATH: "/usr/bin", COMFYCARRY_REPORTER_ONLY_ENV: "path=x,$HOME" };
    expect(dropReporterOnlyEnv(env)).toEqual([]);
  });
});
