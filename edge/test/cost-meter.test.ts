// The usage meter behind the edge-cost benchmark: off unless COMFYCARRY_METER is "1", readable
// only with the owner's session, and counting writes made through the object's storage.
import { env, runInDurableObject } from "cloudflare:test";
import { errorBodySchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { instanceStub } from "../src/env.js";
import { CostMeter } from "../src/instance/cost-meter.js";
import type { InstanceObject } from "../src/instance/instance-object.js";
import { call, createInstance, login } from "./helpers.js";

describe("meter route", () => {
  it("responds 404 while the meter is off", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);

    const response = await call(`/api/instances/${instance_id}/meter`, { cookie });

    expect(response.status).toBe(404);
    expect(errorBodySchema.parse(await response.json()).error.message).toContain("COMFYCARRY_METER=1");
  });

  it("rejects API tokens", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const created = await call("/api/tokens", { cookie, body: { name: "meter probe", scope: "admin" } });
    const { token } = (await created.json()) as { token: string };

    const response = await call(`/api/instances/${instance_id}/meter`, { headers: { Authorization: `Bearer ${token}` } });

    expect(response.status).toBe(403);
  });
});

describe("cost meter", () => {
  it("is not installed without the variable", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);

    const installed = await runInDurableObject(instanceStub(env, instance_id), (_object: InstanceObject, state) => CostMeter.install(state, env));

    expect(installed).toBeNull();
  });

  it("counts KV, SQL and alarm writes", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);

    const reading = await runInDurableObject(instanceStub(env, instance_id), async (_object: InstanceObject, state) => {
      const meter = CostMeter.install(state, { ...env, COMFYCARRY_METER: "1" });
      if (meter === null) {
        throw new Error("the meter was not installed with COMFYCARRY_METER=1");
      }
      const finish = meter.begin("webSocketMessage", "hello");
      state.storage.kv.put("meter.probe", 1);
      state.storage.kv.delete("meter.probe");
      state.storage.sql.exec("CREATE TABLE IF NOT EXISTS meter_probe (n INTEGER)");
      state.storage.sql.exec("INSERT INTO meter_probe (n) VALUES (1), (2), (3)");
      await state.storage.setAlarm(Date.now() + 3_600_000);
      finish();
      return meter.read();
    });

    expect(reading.kvWrites).toBe(2);
    expect(reading.kvWritesByKey["meter.probe"]).toBe(2);
    expect(reading.sqlRowsWritten).toBeGreaterThanOrEqual(3);
    expect(reading.sqlRowsByTable.meter_probe).toBe(3);
    expect(reading.sqlRowsByTable.schema).toBeGreaterThan(0);
    expect(reading.alarmWrites).toBe(1);
    expect(reading.invocations.webSocketMessage).toBe(1);
    expect(reading.inboundBytes).toBe(5);
  });
});
