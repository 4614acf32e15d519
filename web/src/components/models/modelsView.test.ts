import { describe, expect, it } from "vitest";

import { createAppI18n } from "../../i18n/eager";
import { jobWith } from "./fixtures";
import { commandErrorText, failureText, jobEtaSeconds, jobPercent, mergeJobs, splitJobs } from "./modelsView";

const { t } = createAppI18n({ locale: "en", strict: true }).global;
const translate = (key: string, named: Record<string, unknown>) => t(key, named);

describe("models view helpers", () => {
  it("explains a token failure with its host", () => {
    expect(failureText(translate, { code: "token_required", params: { host: "civitai.com" } })).toContain("Token required or invalid for civitai.com");
  });

  it("formats free and required bytes", () => {
    const text = failureText(translate, { code: "insufficient_space", params: { free_bytes: 500 * 1024 ** 2, required_bytes: 2.1 * 1024 ** 3 } });
    expect(text).toBe("Not enough free space: 500 MiB free, 2.1 GiB needed (size + 5 %).");
  });

  it("reads download_failed through its reason", () => {
    const text = commandErrorText(translate, { code: "download_failed", message: "x", params: { reason: "hf_terms_not_accepted", repo_url: "https://huggingface.co/acme/gated" } });
    expect(text).toBe("Accept the license on https://huggingface.co/acme/gated, then retry.");
  });

  it("falls back to the error code text", () => {
    expect(commandErrorText(translate, { code: "instance_offline", message: "x" })).toContain("The instance is offline");
  });

  it("computes percent and time left", () => {
    const job = jobWith({ total_bytes: 1000, downloaded_bytes: 250, speed_bytes_per_s: 50 });
    expect(jobPercent(job)).toBe(25);
    expect(jobEtaSeconds(job)).toBe(15);
    expect(jobPercent(jobWith({ total_bytes: null }))).toBeNull();
    expect(jobEtaSeconds(jobWith({ speed_bytes_per_s: 0 }))).toBeNull();
  });

  it("lets a newer live job win the merge", () => {
    const loaded = [jobWith({ id: "a", position: 2, downloaded_bytes: 10 }), jobWith({ id: "b", position: 1 })];
    const live = {
      a: jobWith({ id: "a", position: 9, downloaded_bytes: 90, updated_at: "2026-12-04T10:00:09.000Z" }),
      b: jobWith({ id: "b", downloaded_bytes: 1, updated_at: "2026-12-04T09:00:00.000Z" }),
      c: jobWith({ id: "c", position: 3 }),
    };
    const merged = mergeJobs(loaded, live);
    expect(merged.map((job) => job.id)).toEqual(["b", "a", "c"]);
    expect(merged.find((job) => job.id === "a")?.downloaded_bytes).toBe(90);
    expect(merged.find((job) => job.id === "b")?.downloaded_bytes).toBe(50 * 1024 * 1024);
  });

  it("splits open jobs from history", () => {
    const { open, history } = splitJobs([
      jobWith({ id: "q", status: "queued" }),
      jobWith({ id: "old", status: "completed", finished_at: "2026-12-04T08:00:00.000Z" }),
      jobWith({ id: "new", status: "failed", finished_at: "2026-12-04T09:00:00.000Z" }),
    ]);
    expect(open.map((job) => job.id)).toEqual(["q"]);
    expect(history.map((job) => job.id)).toEqual(["new", "old"]);
  });
});
