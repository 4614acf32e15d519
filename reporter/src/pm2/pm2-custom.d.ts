// pm2 exports its API class as `custom` (pm2 7.0.4 index.js), but its type declarations
// omit it. comfyui-control's Pm2Launcher creates its private instance through it.
import type pm2 from "pm2";

declare module "pm2" {
  export const custom: new (options?: { pm2_home?: string }) => typeof pm2;
}
