import { edgeToBrowserMessageSchema, parseFrame } from "@comfycarry/shared";
import { defineStore } from "pinia";
import { reactive } from "vue";

import { applyEvent, applyOverview, emptyLiveState } from "../lib/liveState";
import { readCachedOverview, writeCachedOverview } from "../lib/overviewCache";

import type { LiveState } from "../lib/liveState";
import type { EdgeToBrowserMessage, InstanceOverview, ServiceStatus, WireError } from "@comfycarry/shared";

/** The page's update source: the socket (live), the 5 s poll while the socket is down (degraded), or neither yet. */
export type LinkMode = "connecting" | "live" | "degraded";

/** The outcome of one inbound frame: its type, or the parse issues. */
export type FrameOutcome = { ok: true; type: EdgeToBrowserMessage["type"] } | { ok: false; issues: string };

/** Live state of every instance the user has opened in this tab, fed by sockets and polls. */
export const useLiveStore = defineStore("live", () => {
  const states = reactive<Record<string, LiveState>>({});
  const links = reactive<Record<string, LinkMode>>({});
  const lastErrors = reactive<Record<string, WireError>>({});

  /** Returns an instance's state, seeding it from the cache on first use. */
  function stateOf(instanceId: string): LiveState {
    const existing = states[instanceId];
    if (existing !== undefined) {
      return existing;
    }

    const state = emptyLiveState();
    const cached = readCachedOverview(instanceId);
    if (cached !== null) {
      applyOverview(state, cached.overview, cached.receivedAtMs, { cached: true });
    }
    states[instanceId] = state;
    return states[instanceId] ?? state;
  }

  /** Applies an overview from a socket frame or a poll, and caches it. */
  function receiveOverview(instanceId: string, overview: InstanceOverview, nowMs: number = Date.now()): void {
    if (applyOverview(stateOf(instanceId), overview, nowMs)) {
      writeCachedOverview(instanceId, overview, nowMs);
    }
  }

  /** Parses one socket frame and applies it; a frame that does not parse changes nothing. */
  function receiveFrame(instanceId: string, text: string, nowMs: number = Date.now()): FrameOutcome {
    const parsed = parseFrame(edgeToBrowserMessageSchema, text);
    if (!parsed.ok) {
      return { ok: false, issues: parsed.issues };
    }

    const frame = parsed.value;
    switch (frame.type) {
      case "overview":
        if (frame.overview.instance_id !== instanceId) {
          return { ok: false, issues: `overview for instance "${frame.overview.instance_id}" on the socket of "${instanceId}"` };
        }
        receiveOverview(instanceId, frame.overview, nowMs);
        break;

      case "event":
        if (frame.instance_id !== instanceId) {
          return { ok: false, issues: `event for instance "${frame.instance_id}" on the socket of "${instanceId}"` };
        }
        applyEvent(stateOf(instanceId), frame.event);
        break;

      case "error":
        lastErrors[instanceId] = frame.error;
        break;

      // Commands go over HTTP and the HTTP response carries the result, so these frames
      // only report commands sent from other tabs and need no action here.
      case "command_accepted":
      case "command_result":
      case "pong":
        break;
    }
    return { ok: true, type: frame.type };
  }

  /** Shows a command's reported service state at once, before the next snapshot confirms it. */
  function applyServiceResult(instanceId: string, result: { name: string; status: ServiceStatus; restarts: number; pid: number | null }): void {
    const snapshot = stateOf(instanceId).overview?.snapshot ?? null;
    if (snapshot === null || !snapshot.services.available) {
      return;
    }

    const service = snapshot.services.items.find((item) => item.name === result.name);
    if (service !== undefined) {
      service.status = result.status;
      service.restarts = result.restarts;
      service.pid = result.pid;
    }
  }

  /** Records how the page currently receives updates for an instance. */
  function setLink(instanceId: string, mode: LinkMode): void {
    links[instanceId] = mode;
  }

  return { states, links, lastErrors, stateOf, receiveOverview, receiveFrame, applyServiceResult, setLink };
});
