/** A local service behind the access proxy besides ComfyUI, e.g. JupyterLab. */
export interface AccessService {
  name: string;
  port: number;
  protocol: "http" | "https";
}

/**
 * Picks the service a request is for by its `Host`: the first DNS label ending in `-<name>`
 * (the tunnel publishes service `jupyter` as `<subdomain>-jupyter.<domain>`). The longest
 * matching name wins; no match means ComfyUI.
 */
export function serviceForHost(host: string | undefined, services: readonly AccessService[]): AccessService | null {
  const label = (host ?? "").split(".")[0]?.split(":")[0]?.toLowerCase() ?? "";
  let best: AccessService | null = null;
  for (const service of services) {
    const matches = label.endsWith(`-${service.name}`) && label.length > service.name.length + 1;
    if (matches && (best === null || service.name.length > best.name.length)) {
      best = service;
    }
  }
  return best;
}

/** Returns the service's base URL on the loopback interface. */
export function serviceTarget(service: AccessService): URL {
  return new URL(`${service.protocol}://127.0.0.1:${service.port}`);
}
