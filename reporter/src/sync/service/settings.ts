import { readFile } from "node:fs/promises";
import { isAbsolute } from "node:path";

import { z } from "zod";

import { ComfyCarryError } from "@comfycarry/shared";

/**
 * Settings of cloud sync, read from the environment. They are kept out of the reporter's
 * configuration object because that object is logged at start-up, and RCLONE_CONF_BASE64
 * is a secret.
 */
export interface SyncSettings {
  /** False when COMFYCARRY_SYNC=0 turns sync off. */
  enabled: boolean;
  rcloneBinary: string;
  /** Initial rclone.conf from RCLONE_CONF_BASE64 or RCLONE_CONFIG_FILE; null when neither is set. */
  initialConf: { source: "RCLONE_CONF_BASE64" | "RCLONE_CONFIG_FILE"; read: () => Promise<string> } | null;
  maxParallel: number;
  /** How long a watched file must stay unchanged before it is uploaded, in ms. */
  watchStableMs: number | undefined;
}

type Env = Record<string, string | undefined>;

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

function settingError(variable: string, problem: string, fix: string): ComfyCarryError {
  return new ComfyCarryError("invalid_arguments", `${variable} ${problem}. ${fix}`, { variable });
}

function wholeNumber(env: Env, variable: string, min: number, max: number): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === "") {
    return undefined;
  }
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw);
  if (!parsed.success) {
    throw settingError(variable, `is invalid: "${raw}"`, `Set it to a whole number from ${min} to ${max}.`);
  }
  return parsed.data;
}

/** Decodes RCLONE_CONF_BASE64; the error never repeats the value. */
export function decodeConfBase64(value: string): string {
  if (!BASE64.test(value)) {
    throw settingError("RCLONE_CONF_BASE64", "is not base64 (value hidden)", "Set it to the output of `base64 -w0 rclone.conf`.");
  }
  const text = Buffer.from(value.replace(/\s+/g, ""), "base64").toString("utf8");
  if (!/^\s*\[[^\]]+\]/m.test(text)) {
    throw settingError("RCLONE_CONF_BASE64", "decodes to text without a [remote] section (value hidden)", "Encode the whole rclone.conf file, e.g. `base64 -w0 ~/.config/rclone/rclone.conf`.");
  }
  return text;
}

/** Reads the sync settings; a bad value throws an error naming the variable and the fix. */
export function syncSettings(env: Env = process.env): SyncSettings {
  const base64 = env["RCLONE_CONF_BASE64"];
  const file = env["RCLONE_CONFIG_FILE"];
  let initialConf: SyncSettings["initialConf"] = null;

  if (base64 !== undefined && base64 !== "") {
    const text = decodeConfBase64(base64);
    initialConf = { source: "RCLONE_CONF_BASE64", read: () => Promise.resolve(text) };
  } else if (file !== undefined && file !== "") {
    if (!isAbsolute(file)) {
      throw settingError("RCLONE_CONFIG_FILE", `is not an absolute path: "${file}"`, "Set it to the absolute path of an rclone.conf file.");
    }
    initialConf = {
      source: "RCLONE_CONFIG_FILE",
      read: () => readFile(file, "utf8"),
    };
  }

  return {
    enabled: env["COMFYCARRY_SYNC"] !== "0",
    rcloneBinary: env["COMFYCARRY_RCLONE_BINARY"] !== undefined && env["COMFYCARRY_RCLONE_BINARY"] !== "" ? env["COMFYCARRY_RCLONE_BINARY"] : "rclone",
    initialConf,
    maxParallel: wholeNumber(env, "COMFYCARRY_SYNC_MAX_PARALLEL", 1, 16) ?? 2,
    watchStableMs: wholeNumber(env, "COMFYCARRY_SYNC_WATCH_STABLE_MS", 100, 60_000),
  };
}
