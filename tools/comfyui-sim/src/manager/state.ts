/** Everything the Manager routes share: flavour, packs, worker, gates and the list frozen at start. */
import type { Dumpable } from "../py/format.js";
import type { CatalogEntry } from "./catalog.js";
import type { ManagerFlavour } from "./flavour.js";
import type { PackStore } from "./packs.js";
import type { SecurityGate } from "./security.js";
import type { ManagerWorker } from "./worker.js";

export interface ManagerState {
  flavour: Exclude<ManagerFlavour, { kind: "none" }>;
  version: string;
  packs: PackStore;
  catalog: CatalogEntry[];
  worker: ManagerWorker;
  gate: SecurityGate;
  /** `/customnode/installed?mode=imported`: the list when the server started. */
  imported: Promise<Record<string, Dumpable>>;
  installed(): Promise<Record<string, Dumpable>>;
}
