/** The Plugins page's commands: installed list, registry, Manager actions, git installs and snapshots. */
import { randomUUID } from "node:crypto";

import { ComfyCarryError } from "@comfycarry/shared";
import type { InstalledPack, ManagerFlavour, NodeSnapshot, RegistryPack } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { answers } from "../process/readiness.js";
import type { ControlSettings } from "../settings.js";
import { detectManager } from "./detect.js";
import { installFromGit } from "./git-install.js";
import type { GitInstallResult } from "./git-install.js";
import { LocalPacks } from "./local-packs.js";
import { ManagerClient } from "./manager-client.js";
import type { ManagerPack, NodeAction } from "./manager-client.js";
import { browse, fetchGetlist, readCachedList } from "./registry.js";
import type { NodeList } from "./registry.js";
import { restoreSnapshot, saveSnapshot } from "./snapshot.js";
import type { RestoreResult } from "./snapshot.js";
import { NodeTasks } from "./tasks.js";

export class NodesService {
  readonly packs: LocalPacks;
  readonly tasks: NodeTasks;
  readonly #settings: ControlSettings;
  readonly #log: Logger;
  /** Set by any change to custom_nodes, cleared when ComfyUI starts again. */
  #restartNeeded = false;

  constructor(settings: ControlSettings, log: Logger) {
    this.#settings = settings;
    this.#log = log.child({ component: "custom-nodes" });
    this.packs = new LocalPacks(settings.comfyuiDir);
    this.tasks = new NodeTasks(settings.comfyuiUrl, this.#log, () => (this.#restartNeeded = true));
  }

  /** Called after ComfyUI started: it loaded custom_nodes as they are now. */
  started(): void {
    this.#restartNeeded = false;
  }

  async list(): Promise<{ manager: ManagerFlavour; manager_version: string | null; comfyui_online: boolean; restart_needed: boolean; packs: InstalledPack[] }> {
    const online = await answers(this.#settings.comfyuiUrl);
    const detected = online ? await detectManager(this.#settings.comfyuiUrl) : { flavour: "none" as const, version: null };
    const client = detected.flavour === "none" ? null : new ManagerClient(this.#settings.comfyuiUrl, detected.flavour);

    const fromManager: Record<string, ManagerPack> = client === null ? {} : await client.installed("default").catch(() => ({}));
    const imported: Record<string, ManagerPack> | null = client === null ? null : await client.installed("imported").catch(() => null);
    const list = detected.flavour === "legacy-get" || detected.flavour === "legacy-post" ? await fetchGetlist(this.#settings.comfyuiUrl).catch(() => null) : null;

    const packs = (await this.packs.list()).map((pack): InstalledPack => {
      const known = fromManager[pack.name];
      const cnrId = known?.cnr_id !== undefined && known.cnr_id !== "" ? known.cnr_id : null;
      return {
        name: pack.name,
        cnr_id: cnrId,
        repository: pack.repository,
        enabled: pack.enabled,
        version: known?.ver ?? pack.tag,
        commit: pack.commit,
        update_available: list === null ? null : list.updatable.has(cnrId ?? pack.name),
      };
    });
    // Manager's list frozen at start differs from the live one until ComfyUI restarts.
    const managerPending = imported !== null && JSON.stringify(sorted(imported)) !== JSON.stringify(sorted(fromManager));
    return { manager: detected.flavour, manager_version: detected.version, comfyui_online: online, restart_needed: this.#restartNeeded || managerPending, packs };
  }

  async registry(search: string, sort: "stars" | "updated" | "title", offset: number, limit: number): Promise<{ total: number; packs: RegistryPack[] }> {
    const list = await this.#nodeList();
    const found = browse(list.packs, search, sort);
    return { total: found.length, packs: found.slice(offset, offset + limit) };
  }

  /** Queues one action through whichever Manager runs; progress shows in `tasks`. */
  async action(action: NodeAction, id: string, version: string | undefined): Promise<{ ui_id: string }> {
    if (!(await answers(this.#settings.comfyuiUrl))) {
      throw new ComfyCarryError("comfyui_unreachable", "ComfyUI is offline, and ComfyUI-Manager runs inside it. Start ComfyUI first; installing by git URL works while it is stopped.");
    }
    const detected = await detectManager(this.#settings.comfyuiUrl);
    if (detected.flavour === "none") {
      throw new ComfyCarryError("command_failed", "ComfyUI-Manager is not installed in this ComfyUI. Install it, or use install by git URL.");
    }
    if (action === "switch_version" && version === undefined) {
      throw new ComfyCarryError("invalid_arguments", "switch_version needs a version, such as 1.2.0 or nightly.", { option: "version" });
    }

    const client = new ManagerClient(this.#settings.comfyuiUrl, detected.flavour);
    const installed = await client.installed("default");
    const local = (await this.packs.list()).find((pack) => pack.name === id || installed[pack.name]?.cnr_id === id) ?? null;
    const listed = (await this.#nodeList()).packs.find((pack) => pack.id === id || (local?.repository !== null && local?.repository !== undefined && pack.repository === local.repository)) ?? null;
    if (action !== "install" && local === null) {
      throw new ComfyCarryError("invalid_arguments", `No installed custom node pack named "${id}".`, { name: id });
    }
    if (action === "install" && listed === null) {
      throw new ComfyCarryError("invalid_arguments", `"${id}" is not in ComfyUI-Manager's node list; install it by git URL instead.`, { name: id });
    }

    const uiId = `cc-${action}-${randomUUID().slice(0, 8)}`;
    this.tasks.add(uiId, action, id);
    try {
      const clientId = await this.tasks.connect();
      await client.queue({
        action,
        uiId,
        clientId,
        name: local?.name ?? id,
        installed: local === null ? null : (installed[local.name] ?? null),
        listed: listed === null ? null : { id: listed.id, repository: listed.repository, version: listed.latest_version },
        repository: local?.repository ?? listed?.repository ?? null,
        version: version ?? null,
      });
    } catch (error) {
      this.tasks.finish(uiId, false, error instanceof Error ? error.message : String(error));
      throw error;
    }
    // Legacy Manager enables a disabled pack at once, without a queued task.
    if (action === "enable" && detected.flavour !== "v4") {
      this.tasks.finish(uiId, true, null);
    }
    this.#log.info({ uiId, action, id, manager: detected.flavour }, "custom node action queued in ComfyUI-Manager");
    return { ui_id: uiId };
  }

  async installGit(url: string, signal?: AbortSignal): Promise<GitInstallResult> {
    const result = await installFromGit(this.#settings, this.packs, this.#log, url, undefined, signal);
    this.#restartNeeded = true;
    return result;
  }

  snapshotSave(): ReturnType<typeof saveSnapshot> {
    return saveSnapshot(this.#settings, this.packs);
  }

  async snapshotRestore(snapshot: NodeSnapshot, signal?: AbortSignal): Promise<RestoreResult> {
    const result = await restoreSnapshot(this.#settings, this.packs, this.#log, snapshot, signal);
    this.#restartNeeded = true;
    return result;
  }

  stop(): void {
    this.tasks.close();
  }

  async #nodeList(): Promise<NodeList> {
    if (await answers(this.#settings.comfyuiUrl)) {
      const detected = await detectManager(this.#settings.comfyuiUrl);
      if (detected.flavour === "legacy-get" || detected.flavour === "legacy-post") {
        return fetchGetlist(this.#settings.comfyuiUrl);
      }
    }
    return readCachedList(this.#settings.comfyuiDir);
  }
}

function sorted(record: Record<string, ManagerPack>): Array<[string, ManagerPack]> {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
