// The environment a ComfyUI process gets when the reporter defines it under PM2.

/**
 * Keys PM2 sets in the environment of every process it runs. When the reporter itself runs
 * under PM2 they describe the reporter (`pm_id`, `name`, …); copied into a new app they
 * make PM2 treat the new app as the reporter and replace it. The list follows the keys
 * PM2 7 skips in `Common.safeExtend` (lib/Common.js).
 */
const PM2_PROCESS_KEYS = new Set([
  "name", "exec_mode", "env", "args", "pm_cwd", "exec_interpreter", "pm_exec_path", "node_args",
  "pm_out_log_path", "pm_err_log_path", "pm_pid_path", "pm_id", "status", "pm_uptime", "created_at",
  "windowsHide", "username", "merge_logs", "kill_retry_time", "prev_restart_delay", "instance_var",
  "unstable_restarts", "restart_time", "axm_actions", "pmx_module", "command", "watch", "filter_env",
  "versioning", "vizion_runing", "vizion_running", "MODULE_DEBUG", "pmx", "axm_options", "vizion",
  "axm_dynamic", "axm_monitor", "instances", "automation", "autostart", "autorestart", "stop_exit_codes",
  "unstable_restart", "treekill", "exit_code", "NODE_APP_INSTANCE", "unique_id", "km_link", "namespace",
]);

/** Our own settings and secrets, which ComfyUI and its custom nodes must not see. */
const REPORTER_ONLY_KEYS = new Set(["ENROLL_KEY", "INSTANCE_NAME", "EDGE_URL", "RCLONE_CONF_BASE64", "RCLONE_CONFIG_FILE"]);

/** Returns whether a parent environment key must stay out of ComfyUI's environment. */
function isWithheld(key: string): boolean {
  return (
    key.startsWith("COMFYCARRY_") ||
    key.startsWith("pm_") ||
    key.startsWith("PM2_") ||
    key.startsWith("axm_") ||
    PM2_PROCESS_KEYS.has(key) ||
    REPORTER_ONLY_KEYS.has(key)
  );
}

/**
 * Builds ComfyUI's full environment: the reporter's own, less PM2's per-process keys and
 * the reporter's settings and secrets, plus the definition's `extra`. The caller passes it
 * to PM2 with `filter_env: true`, so PM2 adds nothing of the reporter's on its own.
 */
export function comfyuiEnvironment(parent: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && !isWithheld(key)) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}
