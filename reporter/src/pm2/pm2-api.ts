/**
 * The only module that imports `pm2`, so the reporter bundle can mark it external.
 * It exposes a promise-based subset of PM2's programmatic API on a private instance.
 */
import pm2 from "pm2";

import type { Pm2ProcessDescription } from "./service.js";

// pm2 exports its API class as `custom` (pm2 7.0.4 index.js) but its type declarations
// omit it. This declares the constructor with the options this module passes.
declare module "pm2" {
  export const custom: new (options?: { pm2_home?: string }) => typeof pm2;
}

/** A promise-based view of the PM2 calls the reporter makes; one instance per daemon connection. */
export interface Pm2Api {
  connect(): Promise<void>;
  list(): Promise<Pm2ProcessDescription[]>;
  /** Runs `stop`, or `restart` (which also starts a stopped process), on one pm_id. */
  act(action: "stop" | "restart", pmId: number): Promise<void>;
  disconnect(): void;
}

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void): (error: Error | null, value: T) => void {
  return (error, value) => {
    if (error) {
      reject(error);
    } else {
      resolve(value);
    }
  };
}

/**
 * Creates a PM2 API instance for `pm2Home` (PM2's state folder: socket, pid and log files).
 * Without it, PM2 uses `PM2_HOME` from the environment, or `~/.pm2`.
 */
export function createPm2Api(pm2Home: string | undefined): Pm2Api {
  const instance = pm2Home === undefined ? new pm2.custom() : new pm2.custom({ pm2_home: pm2Home });

  return {
    connect: () =>
      new Promise((resolve, reject) => {
        instance.connect((error: Error | null) => {
          if (error) {
            reject(error);
          } else {
            resolve();
          }
        });
      }),
    list: () => new Promise((resolve, reject) => instance.list(settle(resolve, reject))),
    act: (action, pmId) =>
      new Promise((resolve, reject) => {
        const done = settle<unknown>(() => resolve(), reject);
        if (action === "stop") {
          instance.stop(pmId, done);
        } else {
          instance.restart(pmId, done);
        }
      }),
    disconnect: () => instance.disconnect(),
  };
}
