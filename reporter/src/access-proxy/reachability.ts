import { connect } from "node:net";

/** Connect deadline of the probe; ComfyUI on loopback accepts within milliseconds when it is up. */
const PROBE_TIMEOUT_MS = 1_000;

/** Returns whether something accepts TCP connections at `target`'s host and port. */
export function acceptsConnections(target: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const defaultPort = target.protocol === "https:" ? 443 : 80;
    const port = target.port === "" ? defaultPort : Number(target.port);
    const socket = connect({ host: target.hostname, port, timeout: PROBE_TIMEOUT_MS });
    const finish = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once("connect", () => finish(true));
    socket.once("timeout", () => finish(false));
    socket.once("error", () => finish(false));
  });
}
