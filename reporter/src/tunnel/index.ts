/** cloudflared under PM2 in quick, token and API mode, for the Tunnel page and the overview. */
export { TunnelFeature } from "./feature.js";
export type { TunnelFeatureOptions } from "./feature.js";
export { createTunnelHandlers, unavailableTunnelHandlers } from "./handlers.js";
export type { TunnelHandlers } from "./handlers.js";
export { tunnelEnvSettings } from "./settings.js";
export type { TunnelEnvSettings } from "./settings.js";
