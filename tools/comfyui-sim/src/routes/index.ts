/** Every route of the simulated server. */
import type { RouteDef } from "../server/context.js";
import { fileRoutes } from "./files.js";
import { historyRoutes } from "./history.js";
import { jobRoutes } from "./jobs.js";
import { logRoutes } from "./logs.js";
import { promptRoutes } from "./prompt.js";
import { queueRoutes } from "./queue.js";
import { systemRoutes } from "./system.js";
import { userRoutes } from "./users.js";

export const ALL_ROUTES: RouteDef[] = [
  ...systemRoutes,
  ...promptRoutes,
  ...queueRoutes,
  ...historyRoutes,
  ...jobRoutes,
  ...fileRoutes,
  ...logRoutes,
  ...userRoutes,
];
