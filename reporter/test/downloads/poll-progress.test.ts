import { createServer } from "node:http";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { Aria2Rpc } from "../../src/downloads/aria2/rpc-client.js";
import { pollJob } from "../../src/downloads/job-runner.js";
import type { RunnerContext } from "../../src/downloads/job-runner.js";
import { QueueStore } from "../../src/downloads/queue-store.js";
import { createRootLogger } from "../../src/log/logger.js";
import { fakeHosts, makeDirs, tokens } from "./helpers.js";

// A stand-in for aria2's JSON-RPC on 127.0.0.1 that returns a set status from tellStatus.
// Real aria2 shows the moment before the first response too briefly for a test to catch.

const MiB = 1024 * 1024;

interface FakeStatus {
  status: string;
  totalLength: number;
  completedLength: number;
}

let dirs: Awaited<ReturnType<typeof makeDirs>>;
let server: Server;
let store: QueueStore;
let tellStatusResult: FakeStatus = { status: "active", totalLength: 0, completedLength: 0 };

beforeEach(async () => {
  dirs = await makeDirs();
  store = new QueueStore(join(dirs.state, "downloads.sqlite"));
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const result = { gid: "0123456789abcdef", status: tellStatusResult.status, totalLength: String(tellStatusResult.totalLength), completedLength: String(tellStatusResult.completedLength), downloadSpeed: "0" };
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: "1", result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  store.close();
  await dirs.cleanup();
});

function context(): RunnerContext {
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("the fake aria2 RPC server is not listening on a TCP port");
  }
  const rpc = new Aria2Rpc(`http://127.0.0.1:${address.port}/jsonrpc`, "secret");
  return {
    store,
    rpc: () => rpc,
    hosts: fakeHosts(),
    tokens: tokens({}),
    userAgent: "test",
    timeoutMs: 5_000,
    modelsRoot: dirs.models,
    connectionsPerFile: 1,
    minSplitSize: "1M",
    maxReresolves: 3,
    logger: createRootLogger({ level: "silent" }),
    emit: () => undefined,
    unsaved: new Set(),
  };
}

/** Inserts a job aria2 has just taken over, resumed from `bytes` already on disk. */
function resumedJob(bytes: number): string {
  const job = store.insert({ id: "job-1", source_kind: "direct", url: "http://127.0.0.1:1/a.safetensors", folder: "loras", file_name: "a.safetensors", total_bytes: 8 * MiB, sha256: null, civitai_file_id: null });
  store.update(job.id, { status: "active", gid: "0123456789abcdef", temp_name: ".a.part", downloaded_bytes: bytes });
  return job.id;
}

describe("polling a resumed job", () => {
  it("keeps the count before the response", async () => {
    const id = resumedJob(3 * MiB);
    tellStatusResult = { status: "active", totalLength: 0, completedLength: 0 };

    await pollJob(context(), store.require(id));

    expect(store.require(id).downloaded_bytes).toBe(3 * MiB);
  });

  it("takes aria2's count once sized", async () => {
    const id = resumedJob(3 * MiB);
    tellStatusResult = { status: "active", totalLength: 8 * MiB, completedLength: 2 * MiB };

    await pollJob(context(), store.require(id));

    expect(store.require(id).downloaded_bytes).toBe(2 * MiB);
  });
});
