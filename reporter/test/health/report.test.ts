import { describe, expect, it } from "vitest";

import { healthReportSchema } from "@comfycarry/shared";
import type { ComponentHealth, HealthReport, Overview } from "@comfycarry/shared";

import { createHealthHandlers } from "../../src/health/handlers.js";
import { buildHealthReport } from "../../src/health/report.js";
import { exampleOverview } from "../helpers/overview.js";

function componentOf(report: HealthReport, name: ComponentHealth["component"]): ComponentHealth {
  const found = report.components.find((component) => component.component === name);
  if (found === undefined) {
    throw new Error(`the report has no ${name} line`);
  }
  return found;
}

function report(overview: Overview | null, edgeConnected = true): HealthReport {
  return healthReportSchema.parse(buildHealthReport({ overview, edgeConnected, now: new Date() }));
}

describe("health report", () => {
  it("names every component once", () => {
    const names = report(exampleOverview()).components.map((component) => component.component);
    expect([...names].sort()).toEqual(["aria2", "cloudflared", "comfyui", "disk", "edge_link", "gpu", "pm2", "rclone"]);
  });

  it("reports the edge link down while disconnected", () => {
    const result = report(exampleOverview(), false);
    expect(componentOf(result, "edge_link")).toMatchObject({ state: "down" });
    expect(result.state).toBe("down");
  });

  it("tells to restart the container on NVML failure", () => {
    const overview = exampleOverview();
    overview.system.gpu_error = { code: "nvml_failed", message: "Failed to initialize NVML: Unknown Error", since: new Date().toISOString() };
    const gpu = componentOf(report(overview), "gpu");
    expect(gpu.state).toBe("down");
    expect(gpu.reason).toContain("restart the container");
  });

  it("degrades the disk above 85 %", () => {
    const overview = exampleOverview();
    overview.system.disk = { path: "/workspace", total_bytes: 100, used_bytes: 90, free_bytes: 10 };
    expect(componentOf(report(overview), "disk")).toMatchObject({ state: "degraded", reason: "/workspace is 90 % full" });
  });

  it("reports a crashed ComfyUI down", () => {
    const overview = exampleOverview();
    overview.comfyui = { ...overview.comfyui, online: false, state: "crashed" };
    expect(componentOf(report(overview), "comfyui").state).toBe("down");
  });

  it("keeps unconfigured parts out of the overall state", () => {
    const overview = exampleOverview();
    overview.sync = { available: false, reason: "not_configured" };
    overview.tunnel = { available: false, reason: "not_configured" };
    const result = report(overview);
    expect(componentOf(result, "rclone").state).toBe("not_configured");
    expect(result.state).not.toBe("down");
  });

  it("reports every part down without a snapshot", () => {
    const result = report(null);
    expect(result.components.filter((component) => component.state === "down")).toHaveLength(7);
  });

  it("answers health.report through the handler", async () => {
    const handlers = createHealthHandlers({ snapshot: () => Promise.resolve(exampleOverview()), edgeConnected: () => true });
    const result = await handlers["health.report"]({}, undefined as never);
    expect(healthReportSchema.safeParse(result).success).toBe(true);
  });
});
