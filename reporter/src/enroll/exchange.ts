import { ComfyCarryError, enrollResponseSchema, errorBodySchema, parseValue } from "@comfycarry/shared";
import type { EnrollRequest, EnrollResponse, ErrorCode } from "@comfycarry/shared";

// One call to the edge's `POST /api/enroll`: an enrollment key in, this instance's id and
// reporter token out. The key and the token never appear in an error message.

/** Time limit of the exchange; an edge that does not respond by then is reported as unreachable. */
const EXCHANGE_TIMEOUT_MS = 30_000;

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Turns the configured edge address (http, https, ws or wss) into the enrollment URL. */
export function enrollUrl(edgeUrl: string): string {
  const url = new URL(`${edgeUrl.replace(/\/+$/, "")}/api/enroll`);
  url.protocol = url.protocol === "wss:" || url.protocol === "https:" ? "https:" : "http:";
  return url.toString();
}

async function edgeError(response: Response): Promise<ComfyCarryError> {
  const text = await response.text();
  let parsedBody: unknown = null;
  try {
    parsedBody = JSON.parse(text);
  } catch {
    parsedBody = null;
  }
  const parsed = parseValue(errorBodySchema, parsedBody);
  let code: ErrorCode = response.status === 401 ? "unauthorized" : "internal_error";
  if (parsed.ok) {
    code = parsed.value.error.code;
  }
  const reason = parsed.ok ? parsed.value.error.message : `HTTP ${response.status}`;
  // The edge's own message already explains how to fix a rejected key, so the hint is added only without one.
  const fix = code === "unauthorized" && !parsed.ok ? " Check ENROLL_KEY: it may be mistyped or revoked; create a new one under Settings → Enrollment keys." : "";
  return new ComfyCarryError(code, `enrollment failed: the edge rejected it with ${reason}.${fix}`, { status: response.status });
}

/** Calls the enrollment exchange once and returns the edge's response. */
export async function exchangeEnrollmentKey(edgeUrl: string, key: string, request: EnrollRequest, fetchImpl: Fetch = fetch): Promise<EnrollResponse> {
  let response: Response;
  try {
    response = await fetchImpl(enrollUrl(edgeUrl), {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ComfyCarryError("internal_error", `could not reach the edge at ${enrollUrl(edgeUrl)} to enroll (${reason}); check EDGE_URL`, {}, { cause: error });
  }

  if (!response.ok) {
    throw await edgeError(response);
  }
  const parsed = parseValue(enrollResponseSchema, await response.json());
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_message", `invalid enrollment response from the edge: ${parsed.issues}`);
  }
  return parsed.value;
}
