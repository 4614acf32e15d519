/** @module Closes a socket on purpose, telling the peer why first. */
import { APP_CLOSE_CODE } from "@comfycarry/shared";
import type { WireError } from "@comfycarry/shared";

import { errorFields, log } from "../log.js";
import { sendFrame } from "./sockets.js";

/** Sends `refused` with `error` to a reporter and closes with code 4000 and the error code as reason. */
export function refuseReporter(ws: WebSocket, error: WireError): void {
  sendFrame(ws, { type: "refused", error });
  try {
    ws.close(APP_CLOSE_CODE, error.code);
  } catch (err) {
    log.warn({ err: errorFields(err), code: error.code }, "could not close a reporter socket");
  }
}
