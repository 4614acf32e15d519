import { z } from "zod";

import type { ConfigField } from "./fields.js";

// Variables of the download queue and the model library. The token names match the ones
// huggingface_hub, the CivitAI tools and the ModelScope SDK read, so an existing container
// setup keeps working.

const httpUrlSchema = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ""));
const tokenSchema = z.string().min(1).max(1000).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** `host:port=kind` pairs, comma-separated; parsed further (loopback only) by the host registry. */
const loopbackHostsSchema = z
  .string()
  .regex(/^[^=,\s]+=(civitai|huggingface|modelscope)(,[^=,\s]+=(civitai|huggingface|modelscope))*$/, "host:port=civitai|huggingface|modelscope, comma-separated");

export const MODEL_CONFIG_FIELDS = {
  CIVITAI_TOKEN: {
    schema: tokenSchema,
    secret: true,
    fix: "Set CIVITAI_TOKEN to an API key from civitai.com → Account settings → API keys, or unset it.",
  },
  HF_TOKEN: {
    schema: tokenSchema,
    secret: true,
    fix: "Set HF_TOKEN to a Hugging Face access token (hf_…), or unset it.",
  },
  MODELSCOPE_API_TOKEN: {
    schema: tokenSchema,
    secret: true,
    fix: "Set MODELSCOPE_API_TOKEN to a ModelScope SDK token, or unset it.",
  },
  HF_ENDPOINT: {
    schema: httpUrlSchema,
    secret: false,
    fix: "Set HF_ENDPOINT to the Hugging Face endpoint or a mirror, e.g. https://hf-mirror.com, or unset it for https://huggingface.co.",
  },
  CIVITAI_BASE_URL: {
    schema: httpUrlSchema,
    secret: false,
    fix: "Set CIVITAI_BASE_URL to the CivitAI site used for search and hash lookups, e.g. https://civitai.com, or unset it.",
  },
  ARIA2C_PATH: {
    schema: z.string().min(1).max(1024),
    secret: false,
    fix: "Set ARIA2C_PATH to the aria2c program (a name on PATH or an absolute path), or unset it for aria2c.",
  },
  COMFYCARRY_EXTRA_MODEL_PATHS: {
    schema: z.string().regex(/^\/[^:]*(:\/[^:]*)*$/, "absolute paths separated by ':'"),
    secret: false,
    fix: "Set COMFYCARRY_EXTRA_MODEL_PATHS to extra_model_paths.yaml files ComfyUI is started with, as absolute paths separated by ':'.",
  },
  COMFYCARRY_TEST_LOOPBACK_HOSTS: {
    schema: loopbackHostsSchema,
    secret: false,
    fix: "Tests only: set COMFYCARRY_TEST_LOOPBACK_HOSTS to 127.0.0.1:<port>=civitai,127.0.0.1:<port>=huggingface, or unset it.",
  },
} satisfies Record<string, ConfigField<unknown>>;
