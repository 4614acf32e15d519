// systeminformation's CPU module on its own. Its index loads every module (Docker, Wi-Fi,
// printers, …) at start-up, about 1 MB more heap than this one, and the reporter needs only `cpu()`.
declare module "systeminformation/lib/cpu.js" {
  import type { Systeminformation } from "systeminformation";

  export function cpu(): Promise<Systeminformation.CpuData>;
}
