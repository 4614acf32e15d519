import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { DownloadJob, ProtocolEvent } from "@comfycarry/shared";

import { JobEventThrottle } from "../../src/downloads/job-events.js";

function job(status: DownloadJob["status"], downloaded: number, id = "job-1"): DownloadJob {
  const at = "2026-12-04T10:00:00.000Z";
  return {
    id,
    position: 1,
    status,
    source_kind: "civitai",
    url: "https://civitai.com/api/download/models/1",
    folder: "loras",
    file_name: "a.safetensors",
    total_bytes: 100,
    downloaded_bytes: downloaded,
    speed_bytes_per_s: 10,
    sha256: null,
    error: null,
    created_at: at,
    updated_at: at,
    finished_at: null,
  };
}

let sent: ProtocolEvent[];
let throttle: JobEventThrottle;

const downloaded = () => sent.map((event) => (event.kind === "download.job" ? [event.job.status, event.job.downloaded_bytes] : null));

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  throttle = new JobEventThrottle((event) => sent.push(event), 1_000);
});

afterEach(() => {
  throttle.close();
  vi.useRealTimers();
});

describe("download job events", () => {
  it("sends progress at most once a second", () => {
    throttle.push(job("active", 10));
    throttle.push(job("active", 20));
    throttle.push(job("active", 30));
    expect(downloaded()).toEqual([["active", 10]]);
    vi.advanceTimersByTime(1_000);
    expect(downloaded()).toEqual([["active", 10], ["active", 30]]);
  });

  it("sends a status change at once", () => {
    throttle.push(job("active", 10));
    throttle.push(job("active", 50));
    throttle.push(job("completed", 100));
    expect(downloaded()).toEqual([["active", 10], ["completed", 100]]);
    vi.advanceTimersByTime(2_000);
    expect(sent).toHaveLength(2);
  });

  it("throttles each job on its own", () => {
    throttle.push(job("active", 10, "a"));
    throttle.push(job("active", 10, "b"));
    expect(sent).toHaveLength(2);
  });
});
