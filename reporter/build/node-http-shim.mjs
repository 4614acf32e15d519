// node:http for the bundle, taken through require instead of an ES import.
//
// Node builds the ES module face of a built-in by reading every export, and in Node 22
// three of node:http's exports (WebSocket, CloseEvent, MessageEvent) are lazy getters that
// load undici, the fetch implementation. One `import … from "node:http"` anywhere in the
// bundle, ours or a dependency's, therefore loaded undici with its WebAssembly parser and
// web streams at start-up: about 14 MB of resident memory the reporter never used.
// build.mjs resolves every import of node:http to this file; it re-exports the rest.
import { createRequire } from "node:module";

const http = createRequire(import.meta.url)("node:http");

export default http;
export const {
  _connectionListener,
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
} = http;
// Getters in node:http, read on use so they stay live.
export const globalAgent = http.globalAgent;
export const maxHeaderSize = http.maxHeaderSize;
