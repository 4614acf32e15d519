import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { z } from "zod";

import { ComfyCarryError } from "@comfycarry/shared";

import type { HostKind } from "../downloads/hosts.js";
import { CONFIG_FIELDS, CONFIG_VARIABLES } from "./fields.js";
import { HostTokens, parseLoopbackHosts } from "./host-tokens.js";
import type { ConfigVariable, LogLevel } from "./fields.js";

/** The reporter's settings after defaults, the config file and the environment are merged. */
export interface ReporterConfig {
  workspaceDir: string;
  comfyuiDir: string;
  comfyuiUrl: string;
  edgeUrl: string;
  instanceId: string;
  token: string;
  stateDir: string;
  comfyuiService: string;
  comfyuiProxyPort: number;
  /** Port of the login-protected access proxy on 127.0.0.1; 0 or absent picks a free one. */
  accessProxyPort?: number;
  logLevel: LogLevel;
  /** Absent in tests that build a config by hand; the reporter then runs without downloads and the model library. */
  models?: ModelSettings;
}

/** Settings of the download queue and the model library. */
export interface ModelSettings {
  hfEndpoint: string;
  civitaiBaseUrl: string;
  aria2Path: string;
  /** extra_model_paths.yaml files besides the one in the ComfyUI folder. */
  extraModelPathFiles: string[];
  /** TEST ONLY: loopback hosts that count as CivitAI or Hugging Face over http. */
  testOnlyLoopbackHosts: Record<string, HostKind>;
  tokens: HostTokens;
}

/** Where the settings come from; defaults to the process environment. */
export interface ConfigSources {
  env: Record<string, string | undefined>;
  readFile?: (path: string) => string;
  /** Returns the permission bits of a file; tests substitute it. */
  fileMode?: (path: string) => number;
}

const configFileSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Thrown for a configuration value that does not parse; the message names the variable and the fix. */
function configError(variable: string, problem: string, fix: string): ComfyCarryError {
  return new ComfyCarryError("invalid_arguments", `${variable} ${problem}. ${fix}`, { variable });
}

/** Reads the optional JSON config file named by COMFYCARRY_CONFIG: an object keyed by variable name. */
function readConfigFile(sources: ConfigSources): Partial<Record<ConfigVariable, string>> {
  const path = sources.env.COMFYCARRY_CONFIG;
  if (path === undefined || path === "") {
    return {};
  }

  const read = sources.readFile ?? ((file: string) => readFileSync(file, "utf8"));
  let json: unknown;
  try {
    json = JSON.parse(read(path));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw configError("COMFYCARRY_CONFIG", `points to "${path}", which could not be read as JSON (${reason})`, "Point COMFYCARRY_CONFIG to a JSON file, or unset it.");
  }

  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    throw configError("COMFYCARRY_CONFIG", `file "${path}" is not an object of strings and numbers`, 'Write it as {"EDGE_URL": "https://…", "COMFYUI_SERVICE": "comfy"}.');
  }

  const values: Partial<Record<ConfigVariable, string>> = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (!(CONFIG_VARIABLES as string[]).includes(key)) {
      throw configError("COMFYCARRY_CONFIG", `file "${path}" has the unknown key "${key}"`, `Use only these keys: ${CONFIG_VARIABLES.join(", ")}.`);
    }
    values[key as ConfigVariable] = String(value);
  }
  return values;
}

/** Parses one variable; a missing value yields `fallback`, and a missing required value throws. */
function parseField<V extends ConfigVariable>(
  variable: V,
  raw: string | undefined,
  fallback?: z.output<(typeof CONFIG_FIELDS)[V]["schema"]>,
): z.output<(typeof CONFIG_FIELDS)[V]["schema"]> {
  const field = CONFIG_FIELDS[variable];
  if (raw === undefined || raw === "") {
    if (fallback !== undefined) {
      return fallback;
    }
    throw configError(variable, "is not set", field.fix);
  }

  const result = field.schema.safeParse(raw);
  if (!result.success) {
    const expected = result.error.issues.map((issue) => issue.message).join("; ");
    const shown = field.secret ? "(value hidden)" : `"${raw}"`;
    throw configError(variable, `is invalid: ${shown} (${expected})`, field.fix);
  }
  return result.data as z.output<(typeof CONFIG_FIELDS)[V]["schema"]>;
}

/** Reads the token from COMFYCARRY_TOKEN_FILE, which must not be readable by group or others. */
function readTokenFile(path: string, sources: ConfigSources): string {
  const fileMode = sources.fileMode ?? ((file: string) => statSync(file).mode);
  const read = sources.readFile ?? ((file: string) => readFileSync(file, "utf8"));

  let mode: number;
  let text: string;
  try {
    mode = fileMode(path);
    text = read(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw configError("COMFYCARRY_TOKEN_FILE", `points to "${path}", which could not be read (${reason})`, CONFIG_FIELDS.COMFYCARRY_TOKEN_FILE.fix);
  }

  if ((mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    throw configError("COMFYCARRY_TOKEN_FILE", `points to "${path}" with mode ${shown}, which lets other users read the token`, `Run: chmod 600 ${path}`);
  }
  return parseField("COMFYCARRY_INSTANCE_TOKEN", text.trim());
}

/**
 * Builds the configuration from the environment and the optional JSON file named by
 * COMFYCARRY_CONFIG; a variable set in the environment wins over the same key in the file.
 */
export function loadConfig(sources: ConfigSources = { env: process.env }): ReporterConfig {
  const fromFile = readConfigFile(sources);
  const value = (variable: ConfigVariable): string | undefined => {
    const fromEnv = sources.env[variable];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : fromFile[variable];
  };

  const workspaceDir = parseField("WORKSPACE_DIR", value("WORKSPACE_DIR"), "/workspace");

  const tokenValue = value("COMFYCARRY_INSTANCE_TOKEN");
  const tokenFile = value("COMFYCARRY_TOKEN_FILE");
  let token: string;
  if (tokenValue !== undefined && tokenValue !== "") {
    token = parseField("COMFYCARRY_INSTANCE_TOKEN", tokenValue);
  } else if (tokenFile !== undefined && tokenFile !== "") {
    token = readTokenFile(parseField("COMFYCARRY_TOKEN_FILE", tokenFile), sources);
  } else {
    throw configError("COMFYCARRY_INSTANCE_TOKEN", "is not set and neither is COMFYCARRY_TOKEN_FILE", CONFIG_FIELDS.COMFYCARRY_INSTANCE_TOKEN.fix);
  }

  return {
    workspaceDir,
    comfyuiDir: parseField("COMFYUI_DIR", value("COMFYUI_DIR"), join(workspaceDir, "ComfyUI")),
    comfyuiUrl: parseField("COMFYUI_URL", value("COMFYUI_URL"), "http://127.0.0.1:8188"),
    edgeUrl: parseField("EDGE_URL", value("EDGE_URL")),
    instanceId: parseField("COMFYCARRY_INSTANCE_ID", value("COMFYCARRY_INSTANCE_ID")),
    token,
    stateDir: parseField("COMFYCARRY_STATE_DIR", value("COMFYCARRY_STATE_DIR"), join(workspaceDir, ".comfycarry")),
    comfyuiService: parseField("COMFYUI_SERVICE", value("COMFYUI_SERVICE"), "comfy"),
    // NOTE: 0 picks a free port per start; the tunnel that will sit in front of the proxy needs a fixed one.
    comfyuiProxyPort: parseField("COMFYCARRY_COMFYUI_PROXY_PORT", value("COMFYCARRY_COMFYUI_PROXY_PORT"), 0),
    accessProxyPort: parseField("COMFYCARRY_ACCESS_PROXY_PORT", value("COMFYCARRY_ACCESS_PROXY_PORT"), 0),
    logLevel: parseField("LOG_LEVEL", value("LOG_LEVEL"), "info"),
    models: {
      hfEndpoint: parseField("HF_ENDPOINT", value("HF_ENDPOINT"), "https://huggingface.co"),
      civitaiBaseUrl: parseField("CIVITAI_BASE_URL", value("CIVITAI_BASE_URL"), "https://civitai.com"),
      aria2Path: parseField("ARIA2C_PATH", value("ARIA2C_PATH"), "aria2c"),
      extraModelPathFiles: parseField("COMFYCARRY_EXTRA_MODEL_PATHS", value("COMFYCARRY_EXTRA_MODEL_PATHS"), "").split(":").filter((path) => path !== ""),
      testOnlyLoopbackHosts: parseLoopbackHosts(parseField("COMFYCARRY_TEST_LOOPBACK_HOSTS", value("COMFYCARRY_TEST_LOOPBACK_HOSTS"), "")),
      tokens: new HostTokens({
        civitai: parseField("CIVITAI_TOKEN", value("CIVITAI_TOKEN"), ""),
        huggingface: parseField("HF_TOKEN", value("HF_TOKEN"), ""),
        modelscope: parseField("MODELSCOPE_API_TOKEN", value("MODELSCOPE_API_TOKEN"), ""),
      }),
    },
  };
}

/** Returns the reporter's WebSocket address on the edge for an http(s) or ws(s) base URL. */
export function reporterSocketUrl(edgeUrl: string): string {
  const url = new URL(`${edgeUrl}/api/reporter/ws`);
  url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
  return url.toString();
}
