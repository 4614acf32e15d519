/**
 * The bound address of this process's access proxy, for the tunnel: cloudflared must point at
 * it, never at ComfyUI directly. Null until the proxy listens, and again after it closes.
 */
let current: { host: string; port: number } | null = null;
const listeners = new Set<(address: { host: string; port: number } | null) => void>();

/** Returns the proxy's address, e.g. `{ host: "127.0.0.1", port: 8189 }`, or null while it is not listening. */
export function accessProxyAddress(): { host: string; port: number } | null {
  return current;
}

/** Returns the proxy's origin, e.g. `http://127.0.0.1:8189`, or null while it is not listening. */
export function accessProxyOrigin(): string | null {
  return current === null ? null : `http://${current.host}:${current.port}`;
}

/** Calls `listener` whenever the address changes; returns a function that stops the calls. */
export function onAccessProxyAddress(listener: (address: { host: string; port: number } | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records the address; only the access proxy server calls this. */
export function publishAccessProxyAddress(address: { host: string; port: number } | null): void {
  current = address;
  for (const listener of listeners) {
    listener(address);
  }
}
