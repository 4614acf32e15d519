import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { AccessKey } from "../../src/access-proxy/access-key.js";
import { createRootLogger } from "../../src/log/logger.js";
import { waitFor } from "../helpers/fake-edge.js";
import { FakeAccessEdge } from "./harness.js";

const log = createRootLogger({ level: "silent" });
let dir: string;
let key: AccessKey | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cc-access-key-"));
});

afterEach(() => {
  key?.stop();
  key = null;
  rmSync(dir, { recursive: true, force: true });
});

describe("access key", () => {
  it("stores the edge's key with mode 0600", async () => {
    const edge = new FakeAccessEdge();
    key = new AccessKey({ edge, stateDir: dir, log });
    await key.start();
    await waitFor("the key file", () => key?.current() !== null);
    await waitFor("the key file to be written", () => {
      try {
        return readFileSync(join(dir, "access-key"), "utf8") === edge.key.toString("base64url");
      } catch {
        return false;
      }
    });
    expect(statSync(join(dir, "access-key")).mode & 0o777).toBe(0o600);
  });

  it("uses the stored key while the edge is down", async () => {
    const stored = Buffer.alloc(32, 3);
    writeFileSync(join(dir, "access-key"), stored.toString("base64url"), { mode: 0o600 });
    const edge = new FakeAccessEdge();
    edge.reachable = false;
    key = new AccessKey({ edge, stateDir: dir, log });
    await key.start();
    expect(key.current()?.equals(stored)).toBe(true);
  });

  it("has no key before the edge answers", async () => {
    const edge = new FakeAccessEdge();
    edge.reachable = false;
    key = new AccessKey({ edge, stateDir: dir, log });
    await key.start();
    expect(key.current()).toBeNull();
  });

  it("ignores a stored key of the wrong length", async () => {
    writeFileSync(join(dir, "access-key"), "c2hvcnQ", { mode: 0o600 });
    const edge = new FakeAccessEdge();
    edge.reachable = false;
    key = new AccessKey({ edge, stateDir: dir, log });
    await key.start();
    expect(key.current()).toBeNull();
  });

  it("replaces a stored key with the edge's", async () => {
    writeFileSync(join(dir, "access-key"), Buffer.alloc(32, 3).toString("base64url"), { mode: 0o600 });
    const edge = new FakeAccessEdge();
    key = new AccessKey({ edge, stateDir: dir, log });
    await key.start();
    await waitFor("the edge's key", () => key?.current()?.equals(edge.key) === true);
    expect(key.current()?.equals(edge.key)).toBe(true);
  });
});
