import type { ServiceManager } from "../snapshot/sources.js";

/**
 * Wraps a service manager so every start, stop or restart of ComfyUI's PM2 service calls
 * `onChange` before and after the action; the monitor then watches closely enough to see
 * ComfyUI go down and come back. After a stop or restart, `onStopped` runs at once: the
 * prompt ComfyUI was running is gone with its process, and the monitor would notice only
 * seconds later, while the dashboard kept showing its last step.
 */
export function pokeOnComfyuiChange(services: ServiceManager, comfyuiService: string, onChange: () => void, onStopped: (action: "stopped" | "restarted") => void = () => undefined): ServiceManager {
  const around = async <T>(name: string, action: () => Promise<T>, stopped?: "stopped" | "restarted"): Promise<T> => {
    if (name !== comfyuiService) {
      return action();
    }
    onChange();
    try {
      const result = await action();
      if (stopped !== undefined) {
        onStopped(stopped);
      }
      return result;
    } finally {
      onChange();
    }
  };

  return {
    list: () => services.list(),
    start: (name) => around(name, () => services.start(name)),
    stop: (name) => around(name, () => services.stop(name), "stopped"),
    restart: (name) => around(name, () => services.restart(name), "restarted"),
  };
}
