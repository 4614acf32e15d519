import type { ServiceManager } from "../snapshot/sources.js";

/**
 * Wraps a service manager so every start, stop or restart of ComfyUI's PM2 service calls
 * `onChange` before and after the action; the monitor then watches closely enough to see
 * ComfyUI go down and come back.
 */
export function pokeOnComfyuiChange(services: ServiceManager, comfyuiService: string, onChange: () => void): ServiceManager {
  const around = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    if (name !== comfyuiService) {
      return action();
    }
    onChange();
    try {
      return await action();
    } finally {
      onChange();
    }
  };

  return {
    list: () => services.list(),
    start: (name) => around(name, () => services.start(name)),
    stop: (name) => around(name, () => services.stop(name)),
    restart: (name) => around(name, () => services.restart(name)),
  };
}
