/**
 * @module The health report: one line per component the instance depends on, judged from the
 * same snapshot the dashboard shows plus the edge link's state, so the report and the overview
 * never disagree.
 */
import { USAGE_CRITICAL_PERCENT, USAGE_WARNING_PERCENT, toUtcTimestamp } from "@comfycarry/shared";
import type { ComponentHealth, HealthReport, Overview, UnavailableSection } from "@comfycarry/shared";

/** Inputs the report is built from. */
export type HealthInputs = {
  /** The snapshot as the assembler builds it; null when it could not be built. */
  overview: Overview | null;
  edgeConnected: boolean;
  now: Date;
};

function ok(component: ComponentHealth["component"]): ComponentHealth {
  return { component, state: "ok", reason: null };
}

function fromUnavailable(component: ComponentHealth["component"], section: UnavailableSection): ComponentHealth {
  if (section.reason === "error") {
    return { component, state: "down", reason: section.detail ?? "the source failed" };
  }
  const reason = section.reason === "not_built" ? "not part of this reporter" : "not set up";
  return { component, state: "not_configured", reason };
}

function diskHealth(overview: Overview): ComponentHealth {
  const { disk } = overview.system;
  if (disk.total_bytes === 0) {
    return { component: "disk", state: "down", reason: `no size for ${disk.path}` };
  }
  const percent = Math.round((disk.used_bytes / disk.total_bytes) * 1000) / 10;
  if (percent > USAGE_CRITICAL_PERCENT) {
    return { component: "disk", state: "down", reason: `${disk.path} is ${percent} % full` };
  }
  return percent > USAGE_WARNING_PERCENT ? { component: "disk", state: "degraded", reason: `${disk.path} is ${percent} % full` } : ok("disk");
}

function gpuHealth(overview: Overview): ComponentHealth {
  const error = overview.system.gpu_error;
  if (error === null) {
    return overview.system.gpus.length === 0 ? { component: "gpu", state: "not_configured", reason: "nvidia-smi lists no GPU" } : ok("gpu");
  }
  if (error.code === "nvidia_smi_missing") {
    return { component: "gpu", state: "not_configured", reason: error.message };
  }
  if (error.code === "nvml_failed") {
    return { component: "gpu", state: "down", reason: `${error.message}; restart the container to get the GPU back` };
  }
  return { component: "gpu", state: error.code === "no_sample_yet" ? "degraded" : "down", reason: error.message };
}

function comfyuiHealth(overview: Overview): ComponentHealth {
  switch (overview.comfyui.state) {
    case "online":
      return ok("comfyui");
    case "starting":
      return { component: "comfyui", state: "degraded", reason: "ComfyUI is starting" };
    default:
      return { component: "comfyui", state: "down", reason: `ComfyUI is ${overview.comfyui.state} at ${overview.comfyui.url}` };
  }
}

function syncHealth(overview: Overview): ComponentHealth {
  const sync = overview.sync;
  if (!sync.available) {
    return fromUnavailable("rclone", sync);
  }
  if ((sync.failed_rules ?? 0) > 0) {
    return { component: "rclone", state: "degraded", reason: `${sync.failed_rules ?? 0} sync rules failed and need attention` };
  }
  if ((sync.offline_rules ?? 0) > 0) {
    return { component: "rclone", state: "degraded", reason: `${sync.offline_rules ?? 0} sync remotes are unreachable` };
  }
  return sync.last_status === "failed" ? { component: "rclone", state: "degraded", reason: "the last sync job failed" } : ok("rclone");
}

function tunnelHealth(overview: Overview): ComponentHealth {
  const tunnel = overview.tunnel;
  if (!tunnel.available) {
    return fromUnavailable("cloudflared", tunnel);
  }
  switch (tunnel.state) {
    case "online":
      return ok("cloudflared");
    case "unconfigured":
      return { component: "cloudflared", state: "not_configured", reason: "no tunnel is set up" };
    case "connecting":
      return { component: "cloudflared", state: "degraded", reason: "cloudflared is connecting" };
    default:
      return { component: "cloudflared", state: "down", reason: `cloudflared is ${tunnel.state}` };
  }
}

function servicesHealth(overview: Overview): ComponentHealth {
  const services = overview.services;
  if (!services.available) {
    return fromUnavailable("pm2", services);
  }
  const errored = services.items.filter((service) => service.status === "errored");
  return errored.length === 0 ? ok("pm2") : { component: "pm2", state: "degraded", reason: `PM2 gave up restarting ${errored.map((service) => service.name).join(", ")}` };
}

function downloadsHealth(overview: Overview): ComponentHealth {
  return overview.downloads.available ? ok("aria2") : fromUnavailable("aria2", overview.downloads);
}

const RANK = { ok: 0, not_configured: 0, degraded: 1, down: 2 } as const;

/** Builds the report; without a snapshot every component but the edge link is `down`. */
export function buildHealthReport(inputs: HealthInputs): HealthReport {
  const link: ComponentHealth = inputs.edgeConnected ? ok("edge_link") : { component: "edge_link", state: "down", reason: "not connected to the edge; retrying" };
  const overview = inputs.overview;
  const components =
    overview === null
      ? [link, ...(["pm2", "comfyui", "aria2", "rclone", "cloudflared", "disk", "gpu"] as const).map((component): ComponentHealth => ({ component, state: "down", reason: "the snapshot could not be built; see the reporter log" }))]
      : [link, servicesHealth(overview), comfyuiHealth(overview), downloadsHealth(overview), syncHealth(overview), tunnelHealth(overview), diskHealth(overview), gpuHealth(overview)];

  const worst = Math.max(...components.map((component) => RANK[component.state]));
  let state: HealthReport["state"] = "ok";
  if (worst === RANK.down) {
    state = "down";
  } else if (worst === RANK.degraded) {
    state = "degraded";
  }
  return { checked_at: toUtcTimestamp(inputs.now), state, components };
}
