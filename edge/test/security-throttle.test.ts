import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";

import { ADDRESS_MAX_FAILURES, BLOCK_MS, DEPLOYMENT_FREE_FAILURES, FAILURE_WINDOW_MS } from "../src/auth/throttle-policy.js";
import { clientAddressKey } from "../src/auth/client-address.js";
import type { FleetObject } from "../src/fleet/fleet-object.js";
import type { AttemptVerdict } from "../src/fleet/throttle-store.js";

/** Returns a fleet object of its own, so the counts of other tests do not mix in. */
function freshFleet(): DurableObjectStub<FleetObject> {
  return env.FLEET.get(env.FLEET.idFromName(`throttle-${crypto.randomUUID()}`));
}

/** Fails `count` sequential attempts from `address`, each right after the previous delay, starting at `start`; returns the verdicts and the time after the last. */
async function failSequentially(fleet: DurableObjectStub<FleetObject>, address: string, count: number, start: number): Promise<{ verdicts: AttemptVerdict[]; now: number }> {
  return runInDurableObject(fleet, (object: FleetObject) => {
    const verdicts: AttemptVerdict[] = [];
    let now = start;
    for (let attempt = 0; attempt < count; attempt++) {
      const verdict = object.beginLoginAttempt(address, now);
      verdicts.push(verdict);
      now += verdict.allowed ? verdict.delayMs + 1 : 1;
    }
    return { verdicts, now };
  });
}

function delays(verdicts: AttemptVerdict[]): number[] {
  return verdicts.map((verdict) => (verdict.allowed ? verdict.delayMs : -1));
}

describe("login throttle", () => {
  it("answers the first five failures at once and then slower each time", async () => {
    const { verdicts } = await failSequentially(freshFleet(), "192.0.2.1", 8, 1_000_000);

    expect(delays(verdicts)).toEqual([0, 0, 0, 0, 0, 100, 200, 300]);
  });

  it("blocks an address after twenty failures", async () => {
    const fleet = freshFleet();
    const { now } = await failSequentially(fleet, "192.0.2.2", ADDRESS_MAX_FAILURES, 1_000_000);

    const verdict = await fleet.beginLoginAttempt("192.0.2.2", now);

    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed ? 0 : verdict.retryAfterMs).toBeGreaterThan(BLOCK_MS - 60_000);
  });

  it("lifts the block after it runs out", async () => {
    const fleet = freshFleet();
    const { now } = await failSequentially(fleet, "192.0.2.3", ADDRESS_MAX_FAILURES, 1_000_000);

    const verdict = await fleet.beginLoginAttempt("192.0.2.3", now + BLOCK_MS + FAILURE_WINDOW_MS);

    expect(verdict).toEqual({ allowed: true, delayMs: 0 });
  });

  it("refuses a parallel guess that arrives inside the delay", async () => {
    const fleet = freshFleet();
    const { now } = await failSequentially(fleet, "192.0.2.4", 7, 1_000_000);

    const early = await fleet.beginLoginAttempt("192.0.2.4", now - 150);

    expect(early.allowed).toBe(false);
  });

  it("keeps other addresses unaffected", async () => {
    const fleet = freshFleet();
    const { now } = await failSequentially(fleet, "192.0.2.5", ADDRESS_MAX_FAILURES, 1_000_000);

    expect(await fleet.beginLoginAttempt("192.0.2.6", now)).toEqual({ allowed: true, delayMs: 0 });
  });

  it("starts an address afresh after a success", async () => {
    const fleet = freshFleet();
    const { now } = await failSequentially(fleet, "192.0.2.7", 10, 1_000_000);
    await fleet.loginSucceeded("192.0.2.7", now);

    expect(await fleet.beginLoginAttempt("192.0.2.7", now + 1)).toEqual({ allowed: true, delayMs: 0 });
  });

  it("slows the whole deployment when many addresses fail", async () => {
    const fleet = freshFleet();
    let now = 1_000_000;
    for (let index = 0; index < DEPLOYMENT_FREE_FAILURES; index++) {
      await fleet.beginLoginAttempt(`10.0.${Math.floor(index / 200)}.${index % 200}`, now);
      now += 10;
    }

    const verdict = await fleet.beginLoginAttempt("10.9.9.9", now + 1_000);

    expect(verdict).toEqual({ allowed: true, delayMs: 100 });
  });
});

describe("client address", () => {
  it("comes from CF-Connecting-IP only", () => {
    expect(clientAddressKey(new Headers({ "CF-Connecting-IP": "203.0.113.5", "X-Forwarded-For": "10.0.0.1" }))).toBe("203.0.113.5");
  });

  it("is unknown without CF-Connecting-IP, whatever X-Forwarded-For says", () => {
    expect(clientAddressKey(new Headers({ "X-Forwarded-For": "10.0.0.1" }))).toBe("unknown");
  });

  it("groups an IPv6 client by its /64", () => {
    expect(clientAddressKey(new Headers({ "CF-Connecting-IP": "2001:db8:1:2:aaaa::1" }))).toBe("2001:0db8:0001:0002::/64");
  });

  it("treats a malformed value as unknown", () => {
    expect(clientAddressKey(new Headers({ "CF-Connecting-IP": "not-an-ip" }))).toBe("unknown");
  });
});
