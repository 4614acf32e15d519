import { commandSchemas, parseValue } from "@comfycarry/shared";
import { useMessage } from "naive-ui";
import { reactive, toValue } from "vue";
import { useI18n } from "vue-i18n";

import { postCommand } from "../api/edge";
import { errorText } from "../lib/errorText";
import { useLiveStore } from "../stores/liveStore";

import type { ApiFailure } from "../api/client";
import type { WireError } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";

/** The PM2 commands the services table offers. */
export type ServiceCommand = "service.start" | "service.stop" | "service.restart";

/** The i18n key of each command's verb. */
export const SERVICE_COMMAND_KEYS: Record<ServiceCommand, string> = {
  "service.start": "services.command.start",
  "service.stop": "services.command.stop",
  "service.restart": "services.command.restart",
};

/**
 * Runs PM2 commands on an instance over HTTP. The edge keeps the request open until the
 * reporter returns the result, so the response is the result. Meanwhile the socket
 * brings the service's new state. `pending` maps a service name to the command in flight.
 */
export function useServiceCommands(instanceId: MaybeRefOrGetter<string>) {
  const pending = reactive<Record<string, ServiceCommand>>({});
  const message = useMessage();
  const { t } = useI18n();
  const store = useLiveStore();

  async function run(command: ServiceCommand, service: string): Promise<void> {
    if (pending[service] !== undefined) {
      return;
    }

    const instance = toValue(instanceId);
    pending[service] = command;
    const response = await postCommand(instance, command, { name: service });
    delete pending[service];

    const verb = t(SERVICE_COMMAND_KEYS[command]);
    let failure: ApiFailure | WireError | null = null;
    if (!response.ok) {
      failure = response.error;
    } else if (!response.value.ok) {
      failure = response.value.error;
    }
    if (failure !== null) {
      message.error(t("services.result.failed", { name: service, command: verb, error: errorText(t, failure) }), { duration: 8000 });
      return;
    }

    message.success(t("services.result.ok", { name: service, command: verb }));
    if (response.ok && response.value.ok) {
      const result = parseValue(commandSchemas[command].result, response.value.data);
      if (result.ok) {
        store.applyServiceResult(instance, result.value);
      }
    }
  }

  return { pending, run };
}
