/**
 * @module Maps the old export's `comfyui_params` onto our launch options. Options the form
 * offers go to their field. ComfyUI flags the form has no field for (`--reserve-vram`,
 * `--cache-lru`, …) go to `extra_args`. Keys with no known flag are reported as not applied
 * rather than guessed.
 */
import { launchOptionsSchema } from "@comfycarry/shared";
import type { LaunchOptions } from "@comfycarry/shared";
import { z } from "zod";

import type { ImportReport } from "./report.js";

type Shape = typeof launchOptionsSchema.shape;

/** Old key → our launch option field whose enum takes the same words. */
const CHOICE_FIELDS: Record<string, keyof Shape> = {
  vram: "vram_mode",
  attention: "attention",
  unet_precision: "unet_precision",
  vae_precision: "vae_precision",
  text_enc_precision: "text_encoder_precision",
  preview_method: "preview_method",
};

/** Old key → flag that takes a number. */
const NUMBER_FLAGS: Record<string, string> = {
  reserve_vram: "--reserve-vram",
  cuda_device: "--cuda-device",
  preview_size: "--preview-size",
  max_upload_size: "--max-upload-size",
};

/** Old key → flag written when the value is true. */
const SWITCH_FLAGS: Record<string, string> = {
  disable_xformers: "--disable-xformers",
  disable_metadata: "--disable-metadata",
  async_offload: "--async-offload",
  force_channels_last: "--force-channels-last",
};

/** Keys the old version knew with no ComfyUI flag we could confirm. */
const UNKNOWN_FLAG_KEYS = new Set(["vram_headroom", "dynamic_vram", "fp16_intermediates", "fast_disk", "pinned_memory"]);

const numberSchema = z.coerce.number().finite().nonnegative().max(1_000_000);

function choiceValue(field: keyof Shape, raw: unknown): { ok: true; value: string } | { ok: false; allowed: string } {
  const schema = launchOptionsSchema.shape[field].unwrap();
  const parsed = schema.safeParse(raw);
  if (parsed.success && typeof parsed.data === "string") {
    return { ok: true, value: parsed.data };
  }
  const allowed = schema instanceof z.ZodEnum ? schema.options.join(", ") : "";
  return { ok: false, allowed };
}

function mapFast(raw: unknown): LaunchOptions["fast"] | null {
  if (typeof raw === "boolean") {
    return raw;
  }
  const words = typeof raw === "string" ? raw.split(/[\s,]+/).filter((word) => word !== "") : raw;
  const parsed = launchOptionsSchema.shape.fast.unwrap().safeParse(words);
  return parsed.success ? parsed.data : null;
}

function mapCache(params: Record<string, unknown>, report: ImportReport, extra: string[]): void {
  const cache = params["cache"];
  if (cache === undefined) {
    if (params["cache_lru_size"] !== undefined) {
      report.notApplied("comfyui_params.cache_lru_size", "only used with cache set to lru, which the file does not set");
    }
    return;
  }
  if (cache === "classic" || cache === "none") {
    extra.push(`--cache-${cache}`);
    report.applied("comfyui_params.cache", "config:launch_options.extra_args", `--cache-${cache}`);
  } else if (cache === "lru") {
    const size = numberSchema.int().min(1).safeParse(params["cache_lru_size"]);
    if (size.success) {
      extra.push("--cache-lru", String(size.data));
      report.applied("comfyui_params.cache", "config:launch_options.extra_args", `--cache-lru ${size.data}`);
      report.applied("comfyui_params.cache_lru_size", "config:launch_options.extra_args");
    } else {
      report.rejected("comfyui_params.cache", "cache is lru but cache_lru_size is not a whole number of at least 1");
    }
    return;
  } else {
    report.rejected("comfyui_params.cache", "expected classic, lru or none");
  }
  if (params["cache_lru_size"] !== undefined) {
    report.notApplied("comfyui_params.cache_lru_size", "only used with cache set to lru");
  }
}

function mapUpcast(raw: unknown, report: ImportReport, extra: string[]): void {
  const field = "comfyui_params.upcast_attention";
  if (raw === true || raw === "force" || raw === "enable") {
    extra.push("--force-upcast-attention");
    report.applied(field, "config:launch_options.extra_args", "--force-upcast-attention");
  } else if (raw === "disable" || raw === "dont") {
    extra.push("--dont-upcast-attention");
    report.applied(field, "config:launch_options.extra_args", "--dont-upcast-attention");
  } else if (raw === false || raw === "default" || raw === "" || raw === null) {
    report.applied(field, "config:launch_options", "left at ComfyUI's default");
  } else {
    report.rejected(field, "expected force, disable or default");
  }
}

function mapOne(key: string, raw: unknown, options: LaunchOptions, extra: string[], report: ImportReport): void {
  const field = `comfyui_params.${key}`;
  const choiceField = CHOICE_FIELDS[key];
  if (choiceField !== undefined) {
    const choice = choiceValue(choiceField, raw);
    if (choice.ok) {
      Object.assign(options, { [choiceField]: choice.value });
      report.applied(field, `config:launch_options.${choiceField}`);
    } else {
      report.rejected(field, `not one of the values the launch form offers: ${choice.allowed}`);
    }
    return;
  }
  const numberFlag = NUMBER_FLAGS[key];
  if (numberFlag !== undefined) {
    const value = numberSchema.safeParse(raw);
    if (value.success) {
      extra.push(numberFlag, String(value.data));
      report.applied(field, "config:launch_options.extra_args", `${numberFlag} ${value.data}`);
    } else {
      report.rejected(field, `${numberFlag} takes a non-negative number`);
    }
    return;
  }
  const switchFlag = SWITCH_FLAGS[key];
  if (switchFlag !== undefined) {
    if (typeof raw !== "boolean") {
      report.rejected(field, "expected true or false");
    } else {
      if (raw) {
        extra.push(switchFlag);
      }
      report.applied(field, "config:launch_options.extra_args", raw ? switchFlag : "off, ComfyUI's default");
    }
    return;
  }
  if (key === "fast") {
    const fast = mapFast(raw);
    if (fast === null) {
      report.rejected(field, "expected true, false or a list of fp16_accumulation, fp8_matrix_mult, cublas_ops, autotune");
    } else {
      options.fast = fast;
      report.applied(field, "config:launch_options.fast");
    }
    return;
  }
  if (key === "mmap") {
    if (raw === false) {
      extra.push("--disable-mmap");
      report.applied(field, "config:launch_options.extra_args", "--disable-mmap");
    } else {
      report.applied(field, "config:launch_options", "on, ComfyUI's default");
    }
    return;
  }
  if (key === "upcast_attention") {
    mapUpcast(raw, report, extra);
    return;
  }
  if (UNKNOWN_FLAG_KEYS.has(key)) {
    report.notApplied(field, "no ComfyUI flag is known for it; add the flag under extra arguments if your ComfyUI version has one");
    return;
  }
  report.notApplied(field, "not a launch option of the old export format");
}

/** Returns launch options built from the old `comfyui_params`, reporting each key. */
export function mapLaunchParams(params: Record<string, unknown>, report: ImportReport): LaunchOptions {
  const options = launchOptionsSchema.parse({});
  const extra: string[] = [];
  for (const [key, raw] of Object.entries(params)) {
    if (key === "cache" || key === "cache_lru_size") {
      continue;
    }
    mapOne(key, raw, options, extra, report);
  }
  mapCache(params, report, extra);
  options.extra_args = extra.join(" ");
  return options;
}
