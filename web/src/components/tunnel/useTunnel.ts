import { useMessage } from "naive-ui";
import { onBeforeUnmount, onMounted, shallowRef, toValue, watch } from "vue";
import { useI18n } from "vue-i18n";

import { sendCommand } from "../../composables/instanceCommand";
import { errorText } from "../../lib/errorText";

import type { CommandFailure, CommandInput } from "../../composables/instanceCommand";
import type { TunnelView } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";

/** Tunnel commands that return the tunnel's view. */
export type TunnelViewCommand = "tunnel.configure" | "tunnel.start" | "tunnel.stop" | "tunnel.restart" | "tunnel.services.add" | "tunnel.services.remove" | "tunnel.remove";

/** How often the page reads the tunnel's state while open, in ms. */
const REFRESH_MS = 3_000;
/** Lines of cloudflared's log the page shows. */
const LOG_LINES = 300;

/** Loads the tunnel's state and log for the Tunnel page and refreshes the state while the page is open. */
export function useTunnel(instanceId: MaybeRefOrGetter<string>) {
  const { t } = useI18n();
  const message = useMessage();
  const view = shallowRef<TunnelView | null>(null);
  const loadError = shallowRef<CommandFailure | null>(null);
  const logLines = shallowRef<string[]>([]);
  const busy = shallowRef(false);
  let timer: ReturnType<typeof setInterval> | null = null;

  async function load(): Promise<void> {
    const result = await sendCommand(toValue(instanceId), "tunnel.status", {});
    if (result.ok) {
      view.value = result.data;
      loadError.value = null;
    } else {
      loadError.value = result.error;
    }
  }

  async function loadLog(): Promise<void> {
    const result = await sendCommand(toValue(instanceId), "tunnel.logs", { lines: LOG_LINES });
    if (result.ok) {
      logLines.value = result.data.lines;
    }
  }

  /** Runs one command; shows its failure with `failureKey` and returns whether it worked. */
  async function run<N extends TunnelViewCommand>(name: N, args: CommandInput<N>, failureKey: string, named: Record<string, string> = {}): Promise<boolean> {
    busy.value = true;
    // Provisioning in API mode makes several Cloudflare calls, so it gets more than the default 30 s.
    const result = await sendCommand(toValue(instanceId), name, args, { deadlineMs: 90_000 });
    busy.value = false;
    if (!result.ok) {
      message.error(t(failureKey, { ...named, error: errorText(t, result.error) }), { duration: 12_000 });
      return false;
    }
    view.value = result.data as TunnelView;
    void loadLog();
    return true;
  }

  onMounted(() => {
    void load();
    void loadLog();
    timer = setInterval(() => {
      void load();
    }, REFRESH_MS);
  });
  onBeforeUnmount(() => {
    if (timer !== null) {
      clearInterval(timer);
    }
  });
  watch(
    () => toValue(instanceId),
    () => {
      void load();
      void loadLog();
    },
  );

  return { view, loadError, logLines, busy, load, loadLog, run };
}
