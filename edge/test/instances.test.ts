import { env, runInDurableObject } from "cloudflare:test";
import { errorBodySchema, instanceIdSchema, instanceListSchema } from "@comfycarry/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { newInstanceId, slugify } from "../src/fleet/instance-id.js";
import { DeadlineScheduler } from "../src/instance/scheduler.js";
import { call, connectReporter, createInstance, flushReporter, login, snapshot } from "./helpers.js";

describe("instance creation", () => {
  it("returns an id from the name and a token", async () => {
    const response = await call("/api/instances", { cookie: await login(), body: { name: "Studio 4090" } });

    expect(response.status).toBe(201);
    const body = await response.json<{ instance_id: string; name: string; token: string }>();
    expect(body.instance_id).toMatch(/^studio-4090-[a-z0-9]{6}$/);
    expect(body.name).toBe("Studio 4090");
    expect(body.token).toMatch(/^cct_[A-Za-z0-9_-]{43}$/);
  });

  it("rejects an empty name", async () => {
    const response = await call("/api/instances", { cookie: await login(), body: { name: "   " } });

    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("invalid_message");
  });

  it("rejects unknown fields", async () => {
    const response = await call("/api/instances", { cookie: await login(), body: { name: "a", owner: "b" } });

    expect(response.status).toBe(400);
  });
});

describe("instance list", () => {
  it("includes each instance with its link and snapshot", async () => {
    const cookie = await login();
    const online = await createInstance(cookie, "listed online");
    const offline = await createInstance(cookie, "listed offline");
    const reporter = await connectReporter(online.instance_id, online.token);
    reporter.send({ type: "snapshot", snapshot: snapshot(online.instance_id) });
    await flushReporter(reporter);

    const response = await call("/api/instances", { cookie });
    expect(response.status).toBe(200);
    const { instances } = instanceListSchema.parse(await response.json());
    const byId = new Map(instances.map((entry) => [entry.instance_id, entry]));
    expect(byId.get(online.instance_id)).toMatchObject({ name: "listed online", online: true, snapshot: { instance_id: online.instance_id } });
    expect(byId.get(offline.instance_id)).toMatchObject({ name: "listed offline", online: false, snapshot: null, last_seen_at: null });
  });
});

describe("instance ids", () => {
  it("slug names into lower-case words", () => {
    expect(slugify("  Ünïcödé  GPU #2 ")).toBe("unicode-gpu-2");
  });

  it("fall back for names without Latin letters", () => {
    expect(slugify("训练机")).toBe("instance");
  });

  it("always match the shared schema", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (name) => {
        expect(instanceIdSchema.safeParse(newInstanceId(name)).success).toBe(true);
      }),
    );
  });
});

describe("deadline scheduler", () => {
  it("arms the alarm for the earliest deadline", async () => {
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(crypto.randomUUID()));

    await runInDurableObject(stub, async (_, state) => {
      const scheduler = new DeadlineScheduler(state.storage);
      await scheduler.schedule("b", 4_000_000_000_000);
      await scheduler.schedule("a", 3_000_000_000_000);
      expect(await state.storage.getAlarm()).toBe(3_000_000_000_000);

      await scheduler.cancel("a");
      expect(await state.storage.getAlarm()).toBe(4_000_000_000_000);
    });
  });

  it("takes due keys in order and leaves the rest", async () => {
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(crypto.randomUUID()));

    await runInDurableObject(stub, async (_, state) => {
      const scheduler = new DeadlineScheduler(state.storage);
      await scheduler.schedule("late", 300);
      await scheduler.schedule("early", 100);
      await scheduler.schedule("future", 900);

      expect(scheduler.takeDue(500)).toEqual(["early", "late"]);
      expect(scheduler.dueAt("future")).toBe(900);
      expect(scheduler.dueAt("early")).toBeNull();
    });
  });

  it("keeps the sooner time in scheduleNoLaterThan", async () => {
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(crypto.randomUUID()));

    await runInDurableObject(stub, async (_, state) => {
      const scheduler = new DeadlineScheduler(state.storage);
      await scheduler.scheduleNoLaterThan("heartbeat", 5_000_000_000_000);
      await scheduler.scheduleNoLaterThan("heartbeat", 6_000_000_000_000);
      expect(scheduler.dueAt("heartbeat")).toBe(5_000_000_000_000);

      await scheduler.scheduleNoLaterThan("heartbeat", 4_000_000_000_000);
      expect(scheduler.dueAt("heartbeat")).toBe(4_000_000_000_000);
    });
  });

  it("clears the alarm when nothing is left", async () => {
    const stub = env.INSTANCES.get(env.INSTANCES.idFromName(crypto.randomUUID()));

    await runInDurableObject(stub, async (_, state) => {
      const scheduler = new DeadlineScheduler(state.storage);
      await scheduler.schedule("only", 3_000_000_000_000);
      await scheduler.cancel("only");
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });
});
