/** PM2 service listing and control for the overview and the service commands. */
export { Pm2Client } from "./client.js";
export type { Pm2ClientOptions, ServiceAction } from "./client.js";
export { toService } from "./service.js";
export type { Pm2ProcessDescription } from "./service.js";
