/** A service whose token the reporter may hold. */
export type HostKind = "civitai" | "huggingface" | "modelscope";

/** Tokens by service, supplied by the edge's encrypted token store; null when the user set none. */
export interface TokenSource {
  get(kind: HostKind): string | null;
}

export const NO_TOKENS: TokenSource = { get: () => null };

export interface HostOptions {
  /** Hugging Face endpoint or mirror (the `HF_ENDPOINT` variable); https://huggingface.co when unset. */
  hfEndpoint?: string;
  /**
   * TEST ONLY: loopback `host:port` pairs that count as a service over plain http, so tests
   * can point the engine at fakes. Entries whose host is not a loopback address are rejected.
   */
  testOnlyLoopbackHosts?: Record<string, HostKind>;
}

const EXACT_HOSTS: Record<string, HostKind> = {
  "civitai.com": "civitai",
  "civitai.red": "civitai",
  "huggingface.co": "huggingface",
  "hf.co": "huggingface",
  "modelscope.cn": "modelscope",
  "www.modelscope.cn": "modelscope",
  "modelscope.ai": "modelscope",
  "www.modelscope.ai": "modelscope",
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Decides which service a URL belongs to. Only an exact host over https counts (no suffix
 * rules: `b2.civitai.com`, CivitAI's storage host, must never get the API key), plus the
 * configured Hugging Face endpoint and the test-only loopback allowlist.
 */
export class HostRegistry {
  readonly hfEndpoint: string;
  private readonly hfEndpointHost: string;
  private readonly loopback: Map<string, HostKind>;

  constructor(options: HostOptions = {}) {
    const endpoint = new URL(options.hfEndpoint?.trim() || "https://huggingface.co");
    this.hfEndpoint = endpoint.origin;
    this.hfEndpointHost = endpoint.host;
    this.loopback = new Map();
    for (const [hostPort, kind] of Object.entries(options.testOnlyLoopbackHosts ?? {})) {
      const host = new URL(`http://${hostPort}`).hostname;
      if (!LOOPBACK.has(host)) {
        throw new Error(`testOnlyLoopbackHosts entry ${hostPort} is not a loopback address: only 127.0.0.1, localhost or [::1] may be used`);
      }
      this.loopback.set(hostPort, kind);
    }
  }

  /** Returns the service of `url`, or null for any other host (direct downloads, lookalikes, storage hosts). */
  kindOf(url: URL): HostKind | null {
    if (url.username !== "" || url.password !== "") {
      return null;
    }
    const loopbackKind = this.loopback.get(url.host);
    if (loopbackKind !== undefined && (url.protocol === "http:" || url.protocol === "https:")) {
      return loopbackKind;
    }
    if (url.protocol !== "https:") {
      return null;
    }
    if (url.host === this.hfEndpointHost) {
      return "huggingface";
    }
    return url.port === "" ? (EXACT_HOSTS[url.hostname] ?? null) : null;
  }

  /** Returns the headers that carry the user's token to `url`, or none when the host does not match exactly. */
  authHeaders(url: URL, tokens: TokenSource): Record<string, string> {
    const kind = this.kindOf(url);
    const token = kind === null ? null : tokens.get(kind);
    if (kind === null || token === null || token === "") {
      return {};
    }
    if (kind === "modelscope") {
      // ModelScope's older routes and /resolve/ read the cookie; its newer ones read Bearer.
      return { Authorization: `Bearer ${token}`, Cookie: `m_session_id=${token}` };
    }
    return { Authorization: `Bearer ${token}` };
  }
}
