/**
 * @module Reads an instance's hourly price from its GPU provider: vast.ai's
 * `GET /api/v0/instances/{id}/` (`instances.dph_total`) or RunPod's `GET /v1/pods/{id}`
 * (`costPerHr`, a decimal string). Both take the account's API key as a Bearer token and
 * bill in US dollars. Failures become `provider_failed` with a `reason`.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import { z } from "zod";

import type { Env } from "../env.js";
import { errorFields, log } from "../log.js";

const DEFAULT_VAST_BASE_URL = "https://console.vast.ai";
const DEFAULT_RUNPOD_BASE_URL = "https://rest.runpod.io";

/** Provider requests give up after this long, so a hung API does not hold the owner's request. */
const PROVIDER_TIMEOUT_MS = 10_000;

const vastInstanceSchema = z.object({ instances: z.object({ dph_total: z.number().nonnegative() }) });
const decimalText = z.string().regex(/^\d+(\.\d+)?$/).transform(Number);
const runpodPodSchema = z.object({ costPerHr: z.union([z.number().nonnegative(), decimalText]) });

type Provider = "vast" | "runpod";

function providerError(provider: Provider, reason: string, message: string): ComfyCarryError {
  return new ComfyCarryError("provider_failed", message, { provider, reason });
}

function reasonOfStatus(status: number): string {
  if (status === 401 || status === 403) {
    return "unauthorized";
  }
  return status === 404 ? "not_found" : "http_error";
}

async function getJson(provider: Provider, url: string, apiKey: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${apiKey}`, Accept: "application/json" }, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (err) {
    log.warn({ provider, err: errorFields(err) }, "provider API request failed");
    throw providerError(provider, "unreachable", `the ${provider} API did not answer: ${err instanceof Error ? err.message : String(err)}`);
  }

  if (!response.ok) {
    await response.body?.cancel();
    log.warn({ provider, status: response.status }, "provider API returned an error status");
    const reason = reasonOfStatus(response.status);
    throw providerError(provider, reason, `the ${provider} API returned HTTP ${response.status}; check the API key and the machine id`);
  }
  try {
    return await response.json();
  } catch {
    throw providerError(provider, "invalid_response", `the ${provider} API returned a body that is not JSON`);
  }
}

/** Returns the hourly price in USD of the machine `providerId` at `provider`. */
export async function fetchProviderPrice(env: Env, provider: Provider, providerId: string): Promise<number> {
  const apiKey = provider === "vast" ? env.VAST_API_KEY : env.RUNPOD_API_KEY;
  if (apiKey === undefined || apiKey === "") {
    const variable = provider === "vast" ? "VAST_API_KEY" : "RUNPOD_API_KEY";
    throw providerError(provider, "not_configured", `${variable} is not set on the edge; set it with wrangler secret put ${variable}, or type the price in`);
  }

  if (provider === "vast") {
    const base = env.VAST_BASE_URL ?? DEFAULT_VAST_BASE_URL;
    const body = await getJson(provider, `${base}/api/v0/instances/${encodeURIComponent(providerId)}/`, apiKey);
    const parsed = vastInstanceSchema.safeParse(body);
    if (!parsed.success) {
      throw providerError(provider, "invalid_response", "the vast.ai API response has no instances.dph_total");
    }
    return parsed.data.instances.dph_total;
  }

  const base = env.RUNPOD_BASE_URL ?? DEFAULT_RUNPOD_BASE_URL;
  const body = await getJson(provider, `${base}/v1/pods/${encodeURIComponent(providerId)}`, apiKey);
  const parsed = runpodPodSchema.safeParse(body);
  if (!parsed.success) {
    throw providerError(provider, "invalid_response", "the RunPod API response has no numeric costPerHr");
  }
  return parsed.data.costPerHr;
}
