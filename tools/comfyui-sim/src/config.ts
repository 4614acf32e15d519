/** The simulator's settings, from ComfyUI's options, `--sim-*` options and `COMFYUI_SIM_*` variables. */
import os from "node:os";
import path from "node:path";

import type { OptionValue, ParsedOptions } from "./cli/argparse.js";

/** When a fault fires: at start-up, when a prompt starts, at the first sampler step, or N ms after ready. */
export type FaultTrigger = { at: "startup" | "prompt" | "step" } | { at: "after"; ms: number } | null;

export interface SimConfig {
  argv: string[];
  listen: string[];
  port: number;
  tls: { key: string; cert: string } | null;
  corsOrigin: string | null;
  maxUploadBytes: number;
  maxUploadIsFloat: boolean;
  baseDir: string;
  outputDir: string;
  inputDir: string;
  tempDir: string;
  userDir: string;
  cpu: boolean;
  cudaDevice: number | null;
  previewMethod: "none" | "auto" | "latent2rgb" | "taesd";
  previewSize: number;
  cache: { kind: "classic" } | { kind: "lru"; size: number } | { kind: "none" };
  hashFunction: "md5" | "sha1" | "sha256" | "sha512";
  dontPrintServer: boolean;
  quickTestForCi: boolean;
  disableMetadata: boolean;
  disableAllCustomNodes: boolean;
  whitelistCustomNodes: string[];
  multiUser: boolean;
  logLevel: "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";
  logStdout: boolean;
  compressResponses: boolean;
  /** `--enable-manager` or `--enable-manager-legacy-ui`: ComfyUI-Manager v4 from its pip package. */
  enableManager: boolean;
  disableManagerUi: boolean;
  vramState: string;
  sim: {
    version: string;
    pythonVersion: string;
    pytorchVersion: string;
    frontendVersion: string;
    templatesVersion: string;
    stepMs: number;
    nodeMs: number;
    startupMs: number;
    controlPort: number | null;
    crash: FaultTrigger;
    crashCode: string;
    hang: FaultTrigger;
    failSeed: string;
  };
}

/** A bad `COMFYUI_SIM_*` value or `--sim-*` option; reported like an argparse error. */
export class ConfigError extends Error {}

function stringOption(options: ParsedOptions, key: string): string | null {
  const found: OptionValue | undefined = options.get(key);
  return typeof found === "string" ? found : typeof found === "number" ? String(found) : null;
}

function numberOption(options: ParsedOptions, key: string): number | null {
  const found = options.get(key);
  return typeof found === "number" ? found : null;
}

function parseInteger(name: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number of milliseconds, got '${raw}'`);
  }
  return Number.parseInt(raw, 10);
}

function simInteger(options: ParsedOptions, key: string, envName: string, fallback: number): number {
  const fromFlag = numberOption(options, key);
  if (fromFlag !== null) {
    return fromFlag;
  }
  const fromEnv = process.env[envName];
  return fromEnv === undefined || fromEnv === "" ? fallback : parseInteger(envName, fromEnv);
}

function simString(options: ParsedOptions, key: string, envName: string, fallback: string): string {
  const fromFlag = stringOption(options, key);
  if (fromFlag !== null) {
    return fromFlag;
  }
  const fromEnv = process.env[envName];
  return fromEnv === undefined || fromEnv === "" ? fallback : fromEnv;
}

/** Parses a fault trigger such as `startup`, `prompt`, `step` or `1500`. */
export function parseTrigger(name: string, raw: string | null): FaultTrigger {
  if (raw === null || raw === "" || raw === "never") {
    return null;
  }
  if (raw === "startup" || raw === "prompt" || raw === "step") {
    return { at: raw };
  }
  if (/^\d+$/.test(raw)) {
    return { at: "after", ms: Number.parseInt(raw, 10) };
  }
  throw new ConfigError(`${name} must be startup, prompt, step or a number of milliseconds, got '${raw}'`);
}

function vramStateOf(options: ParsedOptions): string {
  if (options.get("cpu") === true) {
    return "DISABLED";
  }
  if (options.get("gpu_only") === true || options.get("highvram") === true) {
    return "HIGH_VRAM";
  }
  if (options.get("lowvram") === true) {
    return "LOW_VRAM";
  }
  if (options.get("novram") === true) {
    return "NO_VRAM";
  }
  return "NORMAL_VRAM";
}

function cacheOf(options: ParsedOptions): SimConfig["cache"] {
  const lru = numberOption(options, "cache_lru");
  if (lru !== null && lru > 0) {
    return { kind: "lru", size: lru };
  }
  if (options.get("cache_none") === true) {
    return { kind: "none" };
  }
  return { kind: "classic" };
}

/** Builds the configuration. `argv` is the argument list after the program name. */
export function buildConfig(options: ParsedOptions, argv: string[]): SimConfig {
  const baseDir = path.resolve(stringOption(options, "base_directory") ?? process.env.COMFYUI_SIM_BASE_DIR ?? path.join(os.homedir(), ".comfyui-sim"));
  const tempParent = stringOption(options, "temp_directory");
  const maxUpload = numberOption(options, "max_upload_size");
  const tlsKey = stringOption(options, "tls_keyfile");
  const tlsCert = stringOption(options, "tls_certfile");
  const verbose = stringOption(options, "verbose") ?? "INFO";
  const whitelist = options.get("whitelist_custom_nodes");

  return {
    argv,
    listen: (stringOption(options, "listen") ?? "127.0.0.1").split(","),
    port: numberOption(options, "port") ?? 8188,
    tls: tlsKey !== null && tlsCert !== null ? { key: tlsKey, cert: tlsCert } : null,
    corsOrigin: stringOption(options, "enable_cors_header"),
    maxUploadBytes: (maxUpload ?? 100) * 1024 * 1024,
    maxUploadIsFloat: maxUpload !== null,
    baseDir,
    outputDir: path.resolve(stringOption(options, "output_directory") ?? path.join(baseDir, "output")),
    inputDir: path.resolve(stringOption(options, "input_directory") ?? path.join(baseDir, "input")),
    tempDir: path.resolve(tempParent === null ? path.join(baseDir, "temp") : path.join(tempParent, "temp")),
    userDir: path.resolve(stringOption(options, "user_directory") ?? path.join(baseDir, "user")),
    cpu: options.get("cpu") === true,
    cudaDevice: numberOption(options, "cuda_device"),
    previewMethod: (stringOption(options, "preview_method") ?? "none") as SimConfig["previewMethod"],
    previewSize: numberOption(options, "preview_size") ?? 512,
    cache: cacheOf(options),
    hashFunction: (stringOption(options, "default_hashing_function") ?? "sha256") as SimConfig["hashFunction"],
    dontPrintServer: options.get("dont_print_server") === true,
    quickTestForCi: options.get("quick_test_for_ci") === true,
    disableMetadata: options.get("disable_metadata") === true,
    disableAllCustomNodes: options.get("disable_all_custom_nodes") === true,
    whitelistCustomNodes: Array.isArray(whitelist) ? whitelist.map(String) : [],
    multiUser: options.get("multi_user") === true,
    logLevel: verbose as SimConfig["logLevel"],
    logStdout: options.get("log_stdout") === true,
    compressResponses: options.get("enable_compress_response_body") === true,
    enableManager: options.get("enable_manager") === true || options.get("enable_manager_legacy_ui") === true,
    disableManagerUi: options.get("disable_manager_ui") === true,
    vramState: vramStateOf(options),
    sim: {
      version: process.env.COMFYUI_SIM_VERSION ?? "0.3.64",
      pythonVersion: process.env.COMFYUI_SIM_PYTHON_VERSION ?? "3.12.3 (main, Sep 11 2025, 14:09:17) [GCC 13.3.0]",
      pytorchVersion: process.env.COMFYUI_SIM_PYTORCH_VERSION ?? "2.8.0+cu128",
      frontendVersion: process.env.COMFYUI_SIM_FRONTEND_VERSION ?? "1.27.10",
      templatesVersion: process.env.COMFYUI_SIM_TEMPLATES_VERSION ?? "0.1.95",
      stepMs: simInteger(options, "sim_step_ms", "COMFYUI_SIM_STEP_MS", 100),
      nodeMs: simInteger(options, "sim_node_ms", "COMFYUI_SIM_NODE_MS", 20),
      startupMs: simInteger(options, "sim_startup_ms", "COMFYUI_SIM_STARTUP_MS", 0),
      controlPort: numberOption(options, "sim_control_port") ?? (process.env.COMFYUI_SIM_CONTROL_PORT ? parseInteger("COMFYUI_SIM_CONTROL_PORT", process.env.COMFYUI_SIM_CONTROL_PORT) : null),
      crash: parseTrigger("COMFYUI_SIM_CRASH", simString(options, "sim_crash", "COMFYUI_SIM_CRASH", "")),
      crashCode: simString(options, "sim_crash_code", "COMFYUI_SIM_CRASH_CODE", "1"),
      hang: parseTrigger("COMFYUI_SIM_HANG", simString(options, "sim_hang", "COMFYUI_SIM_HANG", "")),
      failSeed: simString(options, "sim_fail_seed", "COMFYUI_SIM_FAIL_SEED", "13013013"),
    },
  };
}
