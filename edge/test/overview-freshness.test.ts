// While a browser watches, `GET …/overview` must carry the newest snapshot, the same one the
// browser sockets receive. That holds for full snapshots and merge patches alike, and also
// after a stretch without viewers in which snapshots were held with the reporter socket.
import { env } from "cloudflare:test";
import { instanceOverviewSchema } from "@comfycarry/shared";
import type { Overview } from "@comfycarry/shared";
import { generate } from "json-merge-patch";
import { describe, expect, it } from "vitest";

import { call, connectReporter, createInstance, login, openBrowser, snapshot } from "./helpers.js";
import type { ReporterProbe } from "./helpers.js";

type Acknowledged = { seq: number; overview: Overview };

async function httpOverview(instanceId: string, cookie: string) {
  return instanceOverviewSchema.parse(await (await call(`/api/instances/${instanceId}/overview`, { cookie })).json());
}

function withCpu(instanceId: string, usagePercent: number): Overview {
  const base = snapshot(instanceId);
  return { ...base, system: { ...base.system, cpu: { ...base.system.cpu, usage_percent: usagePercent } } };
}

/** Sends `next` the way the reporter does, as a merge patch against the acknowledged `base` or in full without one. */
async function sendSnapshot(reporter: ReporterProbe, next: Overview, seq: number, base: Acknowledged | null): Promise<boolean> {
  if (base === null) {
    reporter.send({ type: "snapshot", snapshot: next, seq });
  } else {
    reporter.send({ type: "snapshot_delta", seq, base_seq: base.seq, patch: generate(base.overview, next) });
  }
  const ack = await reporter.next("snapshot_ack", (frame) => frame.seq === seq);
  return ack.ok;
}

describe("overview while watched", () => {
  it("matches the pushed snapshot", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    const browser = await openBrowser(instanceId, cookie);
    await browser.next("overview");

    let base: Acknowledged | null = null;
    for (let seq = 1; seq <= 5; seq += 1) {
      const next = withCpu(instanceId, seq * 10);
      const acknowledged = await sendSnapshot(reporter, next, seq, base);
      base = { seq, overview: next };
      const pushed = await browser.next("overview");
      const served = await httpOverview(instanceId, cookie);

      expect(acknowledged).toBe(true);
      expect(pushed.overview.snapshot?.system.cpu.usage_percent).toBe(seq * 10);
      expect(served.snapshot?.system.cpu.usage_percent).toBe(seq * 10);
      expect(served.snapshot?.captured_at).toBe(pushed.overview.snapshot?.captured_at);
    }
    browser.ws.close(1000, "test done");
  });

  it("is the newest after an unwatched stretch", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));

    // Unwatched snapshots a minute apart. The first is stored, and the later ones are held with the socket.
    let base: Acknowledged | null = null;
    let seq = 0;
    while (seq < 3) {
      seq += 1;
      const next = withCpu(instanceId, seq);
      expect(await sendSnapshot(reporter, next, seq, base)).toBe(true);
      base = { seq, overview: next };
      await stub.rewindForTest(60_000);
    }
    const browser = await openBrowser(instanceId, cookie);
    const opened = await browser.next("overview");
    expect(opened.overview.snapshot?.system.cpu.usage_percent).toBe(3);

    while (seq < 6) {
      seq += 1;
      const next = withCpu(instanceId, seq);
      expect(await sendSnapshot(reporter, next, seq, base)).toBe(true);
      base = { seq, overview: next };
      const served = await httpOverview(instanceId, cookie);

      expect(served.snapshot?.system.cpu.usage_percent).toBe(seq);
      await stub.rewindForTest(2_000);
    }
    browser.ws.close(1000, "test done");
  });
});
