import childProcess from "node:child_process";
import { tmpdir } from "node:os";

import { describe, expect, it, vi } from "vitest";

// The spies must be in place before systeminformation loads, because it keeps its own
// references to these functions; hence the dynamic import below.
const spies = (["exec", "execSync", "execFile", "execFileSync", "spawn", "spawnSync"] as const).map((name) =>
  vi.spyOn(childProcess, name),
);

function spawnCount(): number {
  return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
}

describe("SystemSource", () => {
  it("spawns nothing after the first read", async () => {
    const { SystemSource } = await import("../../src/sources/system/index.js");
    const source = new SystemSource({ workspacePath: tmpdir(), env: {} });
    await source.read();
    const afterFirstRead = spawnCount();

    for (let i = 0; i < 5; i += 1) {
      await source.read();
    }

    expect(afterFirstRead).toBeGreaterThan(0);
    expect(spawnCount()).toBe(afterFirstRead);
  });
});
