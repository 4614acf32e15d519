/**
 * @module Stops a machine through its GPU provider's API: vast.ai's
 * `PUT /api/v0/instances/{id}/` with `{"state": "stopped"}`, or RunPod's
 * `POST /v1/pods/{id}/stop`. Both take the account's API key as a Bearer token. The base URLs
 * are the variables the price lookup uses, so tests point both at a loopback fake.
 */
import type { Env } from "../env.js";

const DEFAULT_VAST_BASE_URL = "https://console.vast.ai";
const DEFAULT_RUNPOD_BASE_URL = "https://rest.runpod.io";
const STOP_TIMEOUT_MS = 15_000;

export type Provider = "vast" | "runpod";
export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

/** Returns null when the provider accepted the stop, or why it did not, without the API key. */
export async function stopMachine(env: Env, provider: Provider, providerId: string, fetcher: Fetcher): Promise<string | null> {
  const apiKey = provider === "vast" ? env.VAST_API_KEY : env.RUNPOD_API_KEY;
  if (apiKey === undefined || apiKey === "") {
    return `${provider === "vast" ? "VAST_API_KEY" : "RUNPOD_API_KEY"} is not set on the edge`;
  }

  const id = encodeURIComponent(providerId);
  const request =
    provider === "vast"
      ? { url: `${env.VAST_BASE_URL ?? DEFAULT_VAST_BASE_URL}/api/v0/instances/${id}/`, method: "PUT", body: JSON.stringify({ state: "stopped" }) }
      : { url: `${env.RUNPOD_BASE_URL ?? DEFAULT_RUNPOD_BASE_URL}/v1/pods/${id}/stop`, method: "POST", body: undefined };
  try {
    const response = await fetcher(request.url, {
      method: request.method,
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json", Accept: "application/json" },
      body: request.body,
      signal: AbortSignal.timeout(STOP_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `the ${provider} API returned HTTP ${response.status}`;
  } catch (err) {
    return `the ${provider} API request failed: ${err instanceof Error ? err.name : "request failed"}`;
  }
}
