/** Cloudflare API v4 response envelopes and the error bodies seen in the wild. */
import type { ServerResponse } from "node:http";

export interface ApiError {
  code: number;
  message: string;
  error_chain?: { code: number; message: string }[];
}

/** A failure a route raises; the server turns it into an error envelope. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((error) => `${error.code} ${error.message}`).join("; "));
  }
}

export const AUTH_ERROR = (status = 403): ApiFailure => new ApiFailure(status, [{ code: 10000, message: "Authentication error" }]);
export const INVALID_TOKEN = (): ApiFailure => new ApiFailure(401, [{ code: 1000, message: "Invalid API Token" }]);
export const NOT_FOUND = (what: string): ApiFailure => new ApiFailure(404, [{ code: 1003, message: `${what} not found` }]);
export const BAD_REQUEST = (code: number, message: string): ApiFailure => new ApiFailure(400, [{ code, message }]);

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

/** Writes `{success:true, errors:[], messages, result[, result_info]}`. */
export function sendResult(response: ServerResponse, result: unknown, options: { status?: number; messages?: unknown[]; resultInfo?: ResultInfo } = {}): void {
  const body: Record<string, unknown> = { result, success: true, errors: [], messages: options.messages ?? [] };
  if (options.resultInfo !== undefined) {
    body["result_info"] = options.resultInfo;
  }
  response.writeHead(options.status ?? 200, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

/** Writes `{success:false, errors, messages:[], result:null}`. */
export function sendFailure(response: ServerResponse, failure: ApiFailure): void {
  response.writeHead(failure.status, { "Content-Type": "application/json", ...failure.headers });
  response.end(JSON.stringify({ success: false, errors: failure.errors, messages: [], result: null }));
}

/** Slices `items` for `page` and `per_page` as Cloudflare's list endpoints do. */
export function paginate<T>(items: T[], query: URLSearchParams, defaultPerPage = 20): { page: T[]; info: ResultInfo } {
  const perPage = Math.min(Math.max(Number(query.get("per_page") ?? defaultPerPage) || defaultPerPage, 1), 1000);
  const pageNumber = Math.max(Number(query.get("page") ?? 1) || 1, 1);
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  return {
    page,
    info: { page: pageNumber, per_page: perPage, count: page.length, total_count: items.length, total_pages: Math.max(1, Math.ceil(items.length / perPage)) },
  };
}
