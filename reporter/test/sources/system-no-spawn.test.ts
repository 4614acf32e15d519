import childProcess from "node:child_process";
import { tmpdir } from "node:os";

import { describe, expect, it, vi } from "vitest";

// The spies must be in place before the source loads, in case a module it imports keeps
// its own references to these functions; hence the dynamic import below.
const spies = (["exec", "execSync", "execFile", "execFileSync", "spawn", "spawnSync"] as const).map((name) =>
  vi.spyOn(childProcess, name),
);

function spawnCount(): number {
  return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
}

describe("SystemSource", () => {
  it("spawns processes only on the first read", async () => {
    const { SystemSource } = await import("../../src/sources/system/index.js");
    const source = new SystemSource({ workspacePath: tmpdir(), env: {} });

    // The first read asks systeminformation for the CPU model, which runs lscpu once.
    await source.read();
    const afterFirst = spawnCount();
    for (let i = 0; i < 3; i += 1) {
      await source.read();
    }

    expect(spawnCount()).toBe(afterFirst);
  });
});
