export { OWN_ROUTES_ROOT, ProxyRoutes, proxyRoutes, registerProxyRoute } from "./routes.js";
export type { ProxyRouteHandler } from "./routes.js";
export { accessProxyAddress, accessProxyOrigin, onAccessProxyAddress } from "./address.js";
export { startAccessProxy } from "./feature.js";
export type { AccessProxySettings, RunningAccessProxy } from "./feature.js";
export type { AccessService } from "./services.js";
