import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { findFreePort } from "../src/index.js";
import { startEdge, type LocalEdge } from "../src/edge.js";

// Login throttling against `wrangler dev`, which fills CF-Connecting-IP from the connection's
// source address. Clients bind to 127.0.0.2 and 127.0.0.3 (all of 127/8 is loopback on Linux),
// so the edge sees two different addresses from one machine.

const PASSWORD = randomBytes(12).toString("base64url");
const ATTACKER = "127.0.0.2";
const OWNER = "127.0.0.3";

let edge: LocalEdge;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-throttle-"));
  edge = await startEdge({
    stateDir,
    port: await findFreePort(),
    secrets: { DASHBOARD_PASSWORD: PASSWORD, SESSION_SECRET: randomBytes(32).toString("base64url") },
  });
});

afterAll(async () => {
  await edge.stop();
  await rm(stateDir, { recursive: true, force: true });
});

type Answer = { status: number; retryAfter: string | undefined; ms: number };

/** POSTs a login from `localAddress`, with any extra headers a forger might add. */
async function loginFrom(localAddress: string, password: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL("/api/auth/login", edge.url);
  const body = JSON.stringify({ password });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", localAddress, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers } },
      (res) => {
        res.resume();
        res.on("end", () => {
          const retryAfter = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, ms: performance.now() - started });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("login throttling under wrangler dev", () => {
  const wrong: Answer[] = [];

  beforeAll(async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      // Each guess claims a fresh forwarded address; only the socket's address may count.
      wrong.push(await loginFrom(ATTACKER, `wrong-${attempt}`, { "X-Forwarded-For": `10.0.0.${attempt}`, "X-Real-IP": `10.0.1.${attempt}` }));
    }
  }, 90_000);

  it("answers twenty wrong passwords with 401", () => {
    expect(wrong.map((answer) => answer.status)).toEqual(Array<number>(20).fill(401));
  });

  it("holds back the later wrong answers", () => {
    // The 20th failure waits 1 s before its response, while the first five are not held back at all.
    expect(wrong[19]?.ms).toBeGreaterThanOrEqual(950);
  });

  it("then blocks that address even with the right password", async () => {
    const answer = await loginFrom(ATTACKER, PASSWORD);

    expect(answer.status).toBe(429);
    expect(Number(answer.retryAfter)).toBeGreaterThan(60);
  });

  it("keeps blocking when X-Forwarded-For claims another address", async () => {
    const answer = await loginFrom(ATTACKER, PASSWORD, { "X-Forwarded-For": OWNER, "X-Real-IP": OWNER, "True-Client-IP": OWNER });

    expect(answer.status).toBe(429);
  });

  // NOTE: a client-sent CF-Connecting-IP is not tested here: wrangler dev 4.157 keeps such a
  // header instead of replacing it with the socket's address, while Cloudflare's edge always
  // sets it from the connection. Only the production edge can be trusted on that header.

  it("lets the right password in from another address", async () => {
    const answer = await loginFrom(OWNER, PASSWORD);

    expect(answer.status).toBe(204);
  });
});
