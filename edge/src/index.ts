/** @module Entry point of the edge Worker: the HTTP app and the Durable Object classes. */
import { app } from "./app.js";

export { FleetObject } from "./fleet/fleet-object.js";
export { InstanceObject } from "./instance/instance-object.js";

export default app;
