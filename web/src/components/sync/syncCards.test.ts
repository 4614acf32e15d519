import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import EngineCard from "./EngineCard.vue";
import JobsPanel from "./JobsPanel.vue";

import type { SyncJob, SyncRuleWire } from "@comfycarry/shared";

const AT = "2026-12-04T10:00:00Z";

const rule: SyncRuleWire = {
  id: "outputs",
  name: "Outputs",
  local_path: "ComfyUI/output",
  remote: "r2",
  remote_path: "out",
  direction: "push",
  method: "copy",
  mirror_confirmed: false,
  max_delete: 20,
  trigger: { type: "manual" },
  filters: { include: [], exclude: [] },
  enabled: true,
  created_at: AT,
  updated_at: AT,
};

function failedJob(errorCode: string | null, errorMessage: string): SyncJob {
  return {
    id: "j1",
    rule_id: "outputs",
    reason: "manual",
    attempt: 1,
    started_at: AT,
    finished_at: AT,
    status: "failed",
    files: 0,
    bytes: 0,
    errors: 1,
    exit_code: 1,
    error_code: errorCode,
    error_message: errorMessage,
  };
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("JobsPanel", () => {
  it("translates a failed job's code", () => {
    const wrapper = mountApp(JobsPanel, { props: { jobs: [failedJob("unreachable", "dial tcp: connection refused")], rules: [rule], filters: { rule_id: null, status: null } }, locale: "zh-CN" });
    const error = wrapper.get("[data-testid=sync-job-error]");

    expect(error.text()).toContain("无法连接远端“r2”。");
    expect(error.get("details").text()).toContain("dial tcp: connection refused");
    wrapper.unmount();
  });

  it("reads an unlisted code as a failed transfer", () => {
    const wrapper = mountApp(JobsPanel, { props: { jobs: [failedJob("from_a_newer_build", "something new")], rules: [rule], filters: { rule_id: null, status: null } }, locale: "zh-CN" });

    expect(wrapper.get("[data-testid=sync-job-error]").text()).toContain("rclone 执行失败。");
    wrapper.unmount();
  });
});

describe("EngineCard", () => {
  it("explains an unavailable engine in Chinese", () => {
    const engine = { state: "unavailable", detail: "spawn rclone ENOENT", rclone_version: null, config_present: false, max_parallel: 2 } as const;
    const wrapper = mountApp(EngineCard, { props: { engine, running: 0, rules: 0 }, locale: "zh-CN" });
    const detail = wrapper.get("[data-testid=sync-engine-detail]");

    expect(detail.text()).toContain("rclone 无法启动");
    expect(detail.get("details").text()).toContain("spawn rclone ENOENT");
    wrapper.unmount();
  });
});
