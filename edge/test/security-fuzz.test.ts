import { SELF } from "cloudflare:test";
import { MAX_MESSAGE_BYTES, toUtcTimestamp } from "@comfycarry/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { app } from "../src/app.js";
import { ORIGIN, call, connectReporter, createInstance, flushBrowser, login, openBrowser } from "./helpers.js";
import type { ReporterProbe } from "./helpers.js";
import { concretePath, routesOf } from "./route-inventory.js";

// Property runs are kept small: each one is a real request through workerd, and the suite must stay quick.
const RUNS_PER_ROUTE = 6;
const SOCKET_RUNS = 20;

const FRAME_TYPES = ["hello", "snapshot", "event", "command_result", "ping", "command", "pong", "welcome", "__proto__", "constructor", ""];

/** JSON-ish values: deep enough to hit nested schemas, with every kind of unicode text. */
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const unicodeText = fc.string({ unit: "grapheme", maxLength: 300 });

/** Bodies that are not what a route expects: random JSON, broken JSON, unicode soup, near-miss objects. */
const hostileBody = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  unicodeText,
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("{", "{\"name\":", "[]", "null", "\"\"", "{\"password\":{}}", "{\"__proto__\":{\"admin\":true}}", "\u0000", "\uFEFF{}"),
  fc.dictionary(fc.constantFrom("name", "password", "scope", "value", "setup_code", "current_password", "new_password", "args", "host", "deadline_ms"), fc.oneof(jsonValue, unicodeText)).map((value) => JSON.stringify(value)),
);

/** Frames a socket might receive from a broken or hostile peer. */
const hostileFrame = fc.oneof(
  hostileBody,
  fc
    .record(
      { type: fc.constantFrom(...FRAME_TYPES), id: fc.oneof(fc.uuid(), unicodeText), ok: fc.boolean(), data: jsonValue, error: jsonValue, request_id: unicodeText, name: unicodeText, args: jsonValue, at: fc.oneof(unicodeText, fc.constant(toUtcTimestamp())) },
      { requiredKeys: ["type"] },
    )
    .map((value) => JSON.stringify(value)),
);

function isServerError(status: number): boolean {
  return status >= 500;
}

describe("hostile HTTP bodies", () => {
  const routes = routesOf(app).filter(({ method }) => method !== "GET");

  for (const { method, pattern } of routes) {
    it(`never make ${method} ${pattern} fail with 5xx`, async () => {
      const path = concretePath(pattern);
      await fc.assert(
        fc.asyncProperty(hostileBody, fc.boolean(), async (body, signedIn) => {
          const cookie = signedIn ? await login() : null;
          const response = await call(path, { method, body, cookie });
          await response.body?.cancel();
          expect(isServerError(response.status), `${method} ${path} answered ${response.status}`).toBe(false);
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    });
  }

  it("answer an oversized body with 413 on every route that takes one", async () => {
    const cookie = await login();
    const huge = JSON.stringify({ name: "x".repeat(MAX_MESSAGE_BYTES + 10) });
    const statuses = new Set<number>();
    for (const { method, pattern } of routes) {
      const response = await call(concretePath(pattern), { method, body: huge, cookie });
      await response.body?.cancel();
      statuses.add(response.status);
    }

    expect([...statuses].filter(isServerError)).toEqual([]);
    expect(statuses.has(413)).toBe(true);
  });

  it("never fail with 5xx on unicode-heavy query strings", async () => {
    const cookie = await login();
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("instance_id", "actor", "action", "result", "since", "before", "limit", "extra"), unicodeText), async (query) => {
        const response = await call(`/api/audit?${new URLSearchParams(query).toString()}`, { cookie });
        await response.body?.cancel();
        expect(isServerError(response.status)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it("never fail with 5xx on unicode-heavy path segments", async () => {
    const cookie = await login();
    await fc.assert(
      fc.asyncProperty(unicodeText, fc.constantFrom("overview", "token", "commands", "ws", ""), async (segment, tail) => {
        const response = await SELF.fetch(`${ORIGIN}/api/instances/${encodeURIComponent(segment)}/${tail}`, { headers: { Cookie: cookie, Origin: ORIGIN } });
        await response.body?.cancel();
        expect(isServerError(response.status)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

/** Sends a ping and polls until a pong arrives or the socket closes (the probe wakes one waiter at a time). */
async function pongOrClose(reporter: ReporterProbe): Promise<"pong" | { code: number; reason: string }> {
  try {
    reporter.send({ type: "ping", at: toUtcTimestamp() });
  } catch {
    // The edge already closed the socket, and the close event gives the reason.
  }
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (reporter.unread().includes("pong")) {
      return "pong";
    }
    if (reporter.closeEvent !== null) {
      return reporter.closeEvent;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`neither a pong nor a close within 5 s; unread: ${reporter.unread().join(", ")}`);
}

describe("hostile socket frames", () => {
  it("leave the reporter socket answering or closed with invalid_message, and the object working", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);

    await fc.assert(
      fc.asyncProperty(fc.array(hostileFrame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const reporter = await connectReporter(instance_id, token);
        for (const frame of frames) {
          reporter.send(frame);
        }
        const outcome = await pongOrClose(reporter);
        if (outcome !== "pong") {
          expect(outcome).toEqual({ code: 4000, reason: "invalid_message" });
        }
        reporter.ws.close(1000, "done");
      }),
      { numRuns: SOCKET_RUNS },
    );

    expect((await call(`/api/instances/${instance_id}/overview`, { cookie })).status).toBe(200);
  });

  it("close the reporter socket cleanly on an oversized frame", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await connectReporter(instance_id, token);

    for (let index = 0; index < 3; index++) {
      reporter.send("x".repeat(MAX_MESSAGE_BYTES + 1));
    }

    expect(await reporter.closed()).toEqual({ code: 4000, reason: "invalid_message" });
  });

  it("leave the browser socket open and answering", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");

    await fc.assert(
      fc.asyncProperty(fc.array(hostileFrame, { minLength: 1, maxLength: 4 }), async (frames) => {
        for (const frame of frames) {
          browser.send(frame);
        }
        await flushBrowser(browser);
        expect(browser.closeEvent).toBeNull();
      }),
      { numRuns: SOCKET_RUNS },
    );
  });

  it("leave the browser socket open after binary garbage", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");

    browser.ws.send(new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28]));
    await flushBrowser(browser);

    expect(browser.closeEvent).toBeNull();
  });
});
