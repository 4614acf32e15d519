import { describe, expect, it } from "vitest";

import { comfyuiEnvironment } from "../../src/comfyui-control/process/child-env.js";

describe("ComfyUI environment", () => {
  const parent = {
    PATH: "/usr/bin",
    HF_TOKEN: "hf_kept_for_custom_nodes",
    COMFYCARRY_INSTANCE_TOKEN: "cct_secret",
    ENROLL_KEY: "cce_secret",
    RCLONE_CONF_BASE64: "W3dkXQ==",
    pm_id: "0",
    name: "comfycarry-reporter",
    NODE_APP_INSTANCE: "0",
    unique_id: "5e1f",
    PM2_HOME: "/root/.pm2",
    pm_exec_path: "/opt/comfycarry/reporter/dist/reporter.mjs",
  };

  it("drops the reporter's PM2 identity", () => {
    const env = comfyuiEnvironment(parent, {});
    expect(env.pm_id).toBeUndefined();
    expect(env.name).toBeUndefined();
    expect(env.NODE_APP_INSTANCE).toBeUndefined();
    expect(env.unique_id).toBeUndefined();
    expect(env.pm_exec_path).toBeUndefined();
    expect(env.PM2_HOME).toBeUndefined();
  });

  it("drops the reporter's secrets", () => {
    const env = comfyuiEnvironment(parent, {});
    expect(env.COMFYCARRY_INSTANCE_TOKEN).toBeUndefined();
    expect(env.ENROLL_KEY).toBeUndefined();
    expect(env.RCLONE_CONF_BASE64).toBeUndefined();
  });

  it("keeps the rest and adds the definition's variables", () => {
    const env = comfyuiEnvironment(parent, { COMFYUI_SIM_STEP_MS: "20" });
    expect(env.PATH).toBe("/usr/bin");
    expect(env.HF_TOKEN).toBe("hf_kept_for_custom_nodes");
    expect(env.COMFYUI_SIM_STEP_MS).toBe("20");
  });
});
