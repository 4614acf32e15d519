import type { HostKind, TokenSource } from "../downloads/hosts.js";

// TODO: the edge's encrypted secret store will push these tokens; until then they come from
// the reporter's environment or config file.

/**
 * The user's CivitAI, Hugging Face and ModelScope tokens. The values sit in a private field,
 * so logging the configuration object prints only which tokens are set.
 */
export class HostTokens implements TokenSource {
  readonly #values: Partial<Record<HostKind, string>>;

  constructor(values: Partial<Record<HostKind, string>>) {
    this.#values = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined && value !== ""));
  }

  get(kind: HostKind): string | null {
    return this.#values[kind] ?? null;
  }

  toJSON(): Record<HostKind, "set" | "unset"> {
    const state = (kind: HostKind) => (this.#values[kind] === undefined ? "unset" : "set");
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
