import { toUtcTimestamp } from "@comfycarry/shared";
import type { ProtocolEvent, Service } from "@comfycarry/shared";

/** Compares PM2 reads and reports each process whose status or restart count changed. */
export class ServiceChanges {
  #previous: Map<string, Pick<Service, "status" | "restarts">> | null = null;

  /** Returns `service.changed` events against the previous read; the first read only sets the baseline. */
  diff(services: Service[]): ProtocolEvent[] {
    const previous = this.#previous;
    this.#previous = new Map(services.map((service) => [service.name, { status: service.status, restarts: service.restarts }]));
    if (previous === null) {
      return [];
    }

    const at = toUtcTimestamp();
    return services
      .filter((service) => {
        const before = previous.get(service.name);
        return before === undefined || before.status !== service.status || before.restarts !== service.restarts;
      })
      .map((service) => ({ kind: "service.changed", at, name: service.name, status: service.status, restarts: service.restarts }));
  }
}
