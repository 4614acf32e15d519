import {
  commandResponseSchema,
  errorBodySchema,
  instanceListSchema,
  instanceOverviewSchema,
  parseValue,
  type CommandName,
  type CommandResponse,
  type InstanceOverview,
  type InstanceSummary,
  type WireError,
} from "@comfycarry/shared";
import WebSocket from "ws";
import { z } from "zod";

const createdInstanceSchema = z.object({ instance_id: z.string(), name: z.string(), token: z.string() });
export type CreatedInstance = z.infer<typeof createdInstanceSchema>;

/** An HTTP answer from the edge that was not a success, with its parsed error body. */
export class EdgeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: WireError | null,
    what: string,
  ) {
    super(`${what} failed with HTTP ${status}${error === null ? "" : `: ${error.code}: ${error.message}`}`);
    this.name = "EdgeHttpError";
  }
}

/** A logged-in owner's client for the edge's HTTP API, as a browser would use it. */
export class EdgeClient {
  private cookie: string | null = null;

  constructor(readonly baseUrl: string) {}

  get sessionCookie(): string | null {
    return this.cookie;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.cookie !== null) {
      headers.cookie = this.cookie;
    }
    return headers;
  }

  private async fail(response: Response, what: string): Promise<never> {
    const text = await response.text();
    let error: WireError | null = null;
    try {
      const parsed = parseValue(errorBodySchema, JSON.parse(text));
      error = parsed.ok ? parsed.value.error : null;
    } catch {
      error = null;
    }
    throw new EdgeHttpError(response.status, error, what);
  }

  async login(password: string): Promise<void> {
    const response = await fetch(`${this.baseUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.baseUrl },
      body: JSON.stringify({ password }),
    });
    if (!response.ok) {
      await this.fail(response, "login");
    }
    const setCookie = response.headers.getSetCookie().find((value) => value.startsWith("cc_session="));
    if (setCookie === undefined) {
      throw new Error("login succeeded but set no cc_session cookie");
    }
    this.cookie = setCookie.split(";")[0] ?? null;
  }

  async createInstance(name: string): Promise<CreatedInstance> {
    const response = await fetch(`${this.baseUrl}/api/instances`, {
      method: "POST",
      headers: this.headers({ "content-type": "application/json", origin: this.baseUrl }),
      body: JSON.stringify({ name }),
    });
    if (!response.ok) {
      await this.fail(response, "create instance");
    }
    return createdInstanceSchema.parse(await response.json());
  }

  async instances(): Promise<InstanceSummary[]> {
    const response = await fetch(`${this.baseUrl}/api/instances`, { headers: this.headers() });
    if (!response.ok) {
      await this.fail(response, "list instances");
    }
    return instanceListSchema.parse(await response.json()).instances;
  }

  async overview(instanceId: string): Promise<InstanceOverview> {
    const response = await fetch(`${this.baseUrl}/api/instances/${instanceId}/overview`, { headers: this.headers() });
    if (!response.ok) {
      await this.fail(response, "read overview");
    }
    return instanceOverviewSchema.parse(await response.json());
  }

  /** Sends a command and waits for its outcome; HTTP errors (offline, timeout) throw `EdgeHttpError`. */
  async command(instanceId: string, name: CommandName, args: unknown, deadlineMs?: number): Promise<CommandResponse> {
    const body = deadlineMs === undefined ? { name, args } : { name, args, deadline_ms: deadlineMs };
    const response = await fetch(`${this.baseUrl}/api/instances/${instanceId}/commands`, {
      method: "POST",
      headers: this.headers({ "content-type": "application/json", origin: this.baseUrl }),
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      await this.fail(response, `command ${name}`);
    }
    return commandResponseSchema.parse(await response.json());
  }

  /** Opens the browser socket of an instance with this client's session cookie. */
  openBrowserSocket(instanceId: string): WebSocket {
    const url = `${this.baseUrl.replace(/^http/, "ws")}/api/instances/${instanceId}/ws`;
    return new WebSocket(url, { headers: this.headers({ origin: this.baseUrl }) });
  }
}
