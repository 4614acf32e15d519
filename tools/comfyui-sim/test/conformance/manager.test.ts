/**
 * Checklist "Manager". The simulator does not include ComfyUI-Manager, so these checks run only
 * against a real server that has it. They skip themselves when the version route is missing.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startTarget, type Target } from "../helpers/sim.js";

let target: Target;
let managerVersion: string | null = null;

beforeAll(async () => {
  target = await startTarget();
  for (const path of ["/api/v2/manager/version", "/api/manager/version"]) {
    const response = await fetch(`${target.url}${path}`);
    if (response.ok) {
      managerVersion = await response.text();
      break;
    }
  }
});

afterAll(async () => {
  await target.stop();
});

describe("manager", () => {
  test("version text starts with V3 or V4", ({ skip }) => {
    if (managerVersion === null) {
      skip("server has no ComfyUI-Manager");
      return;
    }
    expect(managerVersion).toMatch(/^V[34]\./);
  });

  test("v4 queue start rejects text/plain", async ({ skip }) => {
    if (managerVersion?.startsWith("V4.") !== true) {
      skip("server has no ComfyUI-Manager v4");
      return;
    }
    const response = await fetch(`${target.url}/v2/manager/queue/start`, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "" });
    expect(response.status).toBe(400);
  });

  test("simulator answers manager routes with 404", async ({ skip }) => {
    if (target.sim === null) {
      skip("only the simulator is known to lack the Manager");
      return;
    }
    const response = await fetch(`${target.url}/api/v2/manager/version`);
    expect(response.status).toBe(404);
  });
});
