/**
 * The only module that talks to the PM2 daemon. It speaks PM2's RPC protocol (axon over
 * `$PM2_HOME/rpc.sock`) with the client PM2 itself ships, instead of loading PM2's
 * programmatic API, which pulls in over a hundred modules the reporter never runs.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

import axon from "pm2/modules/pm2-axon/index.js";
import type { ReqSocket } from "pm2/modules/pm2-axon/index.js";
import rpc from "pm2/modules/pm2-axon-rpc/index.js";

/** A promise-based view of the PM2 calls the reporter makes; one instance per daemon connection. */
export interface Pm2Api {
  connect(): Promise<void>;
  /** False before `connect` resolves and after the connection closed; a closed instance stays closed. */
  readonly connected: boolean;
  /** PM2's process list as the daemon sends it, one unparsed entry per process. */
  list(): Promise<unknown[]>;
  /** Runs `stop`, or `restart` (which also starts a stopped process), on one pm_id. */
  act(action: "stop" | "restart", pmId: number): Promise<void>;
  disconnect(): void;
}

/** PM2's state folder as PM2 resolves it: the argument, then `PM2_HOME`, then `~/.pm2`. */
export function resolvePm2Home(pm2Home: string | undefined): string {
  return resolve(pm2Home ?? process.env["PM2_HOME"] ?? join(homedir(), ".pm2"));
}

/** Daemon methods by action, and the name PM2's own client reports the action under. */
const ACTIONS = {
  stop: { method: "stopProcessId", notice: "stop" },
  restart: { method: "restartProcessId", notice: "restart" },
} as const;

/**
 * Creates a client for the daemon of `pm2Home`. Unlike PM2's API it never launches a
 * daemon: the reporter runs under PM2, so a missing daemon is an error to report.
 */
export function createPm2Api(pm2Home: string | undefined): Pm2Api {
  const socketPath = join(resolvePm2Home(pm2Home), "rpc.sock");
  const socket: ReqSocket = axon.socket("req");
  // No silent retries and no queue: a failed or lost connection closes this instance, and
  // the caller opens a new one for its next call. A call made while the daemon is away
  // must fail at once instead of running late, after the caller reported it failed.
  socket.set("retry timeout", 0);
  socket.set("hwm", 0);
  // Connection errors also arrive as `close`; this listener keeps them from being thrown.
  socket.on("error", () => undefined);
  const client = new rpc.Client(socket);

  const call = (method: string, argument: unknown): Promise<unknown> =>
    new Promise((resolveCall, rejectCall) => {
      if (socket.connected !== true) {
        rejectCall(new Error(`the connection to the PM2 daemon at ${socketPath} is closed`));
        return;
      }
      client.call(method, argument, (error, result) => {
        if (error !== null) {
          rejectCall(error);
        } else {
          resolveCall(result);
        }
      });
    });

  return {
    get connected() {
      return socket.connected === true;
    },

    connect: () =>
      new Promise((resolveConnect, rejectConnect) => {
        const onConnect = () => {
          socket.off("close", onClose);
          resolveConnect();
        };
        const onClose = () => {
          socket.off("connect", onConnect);
          rejectConnect(new Error(`no PM2 daemon listens on ${socketPath}; start PM2 with this PM2_HOME or set PM2_HOME to the running one`));
        };
        socket.once("connect", onConnect);
        socket.once("close", onClose);
        socket.connect(socketPath);
      }),

    list: async () => {
      const processes = await call("getMonitorData", {});
      if (!Array.isArray(processes)) {
        throw new Error("the PM2 daemon returned something other than a list for getMonitorData");
      }
      const entries: unknown[] = processes;
      return entries;
    },

    act: async (action, pmId) => {
      const { method, notice } = ACTIONS[action];
      // An empty env restarts with the stored definition, as `pm2 restart <id>` does.
      await call(method, action === "stop" ? pmId : { id: pmId, env: {} });
      // PM2's own client announces manual actions on the daemon's bus (`pm2 logs` shows them).
      await call("notifyByProcessId", { id: pmId, action_name: notice, manually: true });
    },

    disconnect: () => socket.close(),
  };
}
