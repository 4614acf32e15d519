/** @module Loopback fakes of Cloudflare's API v4 and of the quick-tunnel service. */
export { startFakeCloudflareApi } from "./server.js";
export type { Fault, FakeCloudflareApi, FakeCloudflareApiOptions, RecordedRequest } from "./server.js";
export { FakeCloudflareStore } from "./store.js";
export type { FakeDnsRecord, FakeToken, FakeTunnel, FakeZone, IngressRule, Permission } from "./store.js";
export { startFakeQuickService } from "./quick-service.js";
export type { FakeQuickService } from "./quick-service.js";
