import type { HostKind, TokenSource } from "../downloads/hosts.js";

/**
 * The user's CivitAI, Hugging Face and ModelScope tokens: one pushed from the edge's secret
 * store (`set`) wins over the one from the reporter's environment or config file. The values
 * sit in private fields, so logging the configuration object prints only which are set.
 */
export class HostTokens implements TokenSource {
  readonly #fromConfig: Partial<Record<HostKind, string>>;
  readonly #fromEdge: Partial<Record<HostKind, string>> = {};

  constructor(values: Partial<Record<HostKind, string>>) {
    this.#fromConfig = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined && value !== ""));
  }

  get(kind: HostKind): string | null {
    return this.#fromEdge[kind] ?? this.#fromConfig[kind] ?? null;
  }

  /** Sets the token the edge pushed for `kind`, or drops it (null) so the configured one applies again. */
  set(kind: HostKind, value: string | null): void {
    if (value === null || value === "") {
      delete this.#fromEdge[kind];
    } else {
      this.#fromEdge[kind] = value;
    }
  }

  toJSON(): Record<HostKind, "set" | "unset"> {
    const state = (kind: HostKind) => (this.get(kind) === null ? "unset" : "set");
    return { civitai: state("civitai"), huggingface: state("huggingface"), modelscope: state("modelscope") };
  }
}

/** Parses `host:port=kind,…`; the host registry rejects entries that are not loopback. */
export function parseLoopbackHosts(text: string): Record<string, HostKind> {
  const out: Record<string, HostKind> = {};
  for (const pair of text.split(",").filter((part) => part !== "")) {
    const [host, kind] = pair.split("=");
    if (host !== undefined && (kind === "civitai" || kind === "huggingface" || kind === "modelscope")) {
      out[host] = kind;
    }
  }
  return out;
}
