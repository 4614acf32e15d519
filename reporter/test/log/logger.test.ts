import { Writable } from "node:stream";

import { describe, expect, it } from "vitest";

import { loadConfig } from "../../src/config/load.js";
import { createRootLogger } from "../../src/log/logger.js";

const TOKEN = "tok_live_5f0c3c6e2b9a4d1e8f7a6b5c";

/** Collects every line the logger writes. */
function memorySink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("root logger", () => {
  it("redacts the token of a logged config", () => {
    const sink = memorySink();
    const log = createRootLogger({ level: "info", destination: sink.stream });
    const config = loadConfig({
      env: { EDGE_URL: "http://127.0.0.1:8787", COMFYCARRY_INSTANCE_ID: "gpu-1", COMFYCARRY_INSTANCE_TOKEN: TOKEN },
    });

    log.child({ component: "main" }).info({ config }, "configuration loaded");

    expect(sink.text()).not.toContain(TOKEN);
    expect(sink.text()).toContain("[Redacted]");
  });

  it("redacts an authorization header", () => {
    const sink = memorySink();
    const log = createRootLogger({ level: "info", destination: sink.stream });

    log.info({ upstream: { headers: { authorization: `Bearer ${TOKEN}` } } }, "request");

    expect(sink.text()).not.toContain(TOKEN);
  });

  it("keeps child ids on every line", () => {
    const sink = memorySink();
    const log = createRootLogger({ level: "info", destination: sink.stream });

    log.child({ instanceId: "gpu-1" }).child({ commandId: "c-1" }).info("ran");

    const line: unknown = JSON.parse(sink.text());
    expect(line).toMatchObject({ instanceId: "gpu-1", commandId: "c-1", msg: "ran" });
  });
});
