import { useDebounceFn } from "@vueuse/core";
import { computed, ref, shallowRef, toValue, watch } from "vue";

import { useLiveStore } from "../../stores/liveStore";
import { useSyncCommands } from "./useSyncCommands";

import type { ApiFailure } from "../../api/client";
import type { SyncArgs } from "./useSyncCommands";
import type { SyncEngineState, SyncJob, SyncRuleStatus, SyncRuleWire, WireError } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";

/** Filters of the job history. */
export interface JobFilters {
  rule_id: string | null;
  status: SyncArgs<"sync.jobs">["status"] | null;
}

/**
 * The Sync page's data: the engine's state, rules with their live state, remotes and
 * the job history. Live rule states come from events; the lists reload after a job
 * finishes and after every change the page makes.
 */
export function useSyncData(instanceId: MaybeRefOrGetter<string>) {
  const { run } = useSyncCommands(instanceId);
  const store = useLiveStore();

  const engine = shallowRef<SyncEngineState | null>(null);
  const rules = ref<SyncRuleWire[]>([]);
  const loadedStatuses = ref<Record<string, SyncRuleStatus>>({});
  const remotes = ref<Array<{ name: string; type: string }>>([]);
  const jobs = ref<SyncJob[]>([]);
  const filters = ref<JobFilters>({ rule_id: null, status: null });
  const loadError = shallowRef<ApiFailure | WireError | null>(null);
  const loading = ref(false);

  const live = computed(() => store.stateOf(toValue(instanceId)).sync);

  /** Each rule's state: the live event when one came after the load, else the loaded one. */
  const statuses = computed<Record<string, SyncRuleStatus>>(() => ({ ...loadedStatuses.value, ...live.value.rules }));

  async function loadStatus(): Promise<void> {
    const result = await run("sync.status", {});
    if (!result.ok) {
      loadError.value = result.error;
      return;
    }
    engine.value = result.value.engine;
    loadedStatuses.value = Object.fromEntries(result.value.rules.map((status) => [status.rule_id, status]));
  }

  async function loadRules(): Promise<void> {
    const result = await run("sync.rule.list", {});
    if (result.ok) {
      rules.value = result.value.rules;
    }
  }

  async function loadRemotes(): Promise<void> {
    const result = await run("sync.remote.list", {});
    if (result.ok) {
      remotes.value = result.value.remotes;
    }
  }

  async function loadJobs(): Promise<void> {
    const { rule_id: ruleId, status } = filters.value;
    const result = await run("sync.jobs", { limit: 50, ...(ruleId === null ? {} : { rule_id: ruleId }), ...(status === null ? {} : { status }) });
    if (result.ok) {
      jobs.value = result.value.jobs;
    }
  }

  async function reload(): Promise<void> {
    loading.value = true;
    loadError.value = null;
    await loadStatus();
    if (engine.value?.state === "running") {
      await Promise.all([loadRules(), loadRemotes(), loadJobs()]);
    }
    loading.value = false;
  }

  const reloadJobsSoon = useDebounceFn(() => void loadJobs(), 500);
  watch(() => live.value.finished[0]?.job.id, reloadJobsSoon);
  watch(filters, () => void loadJobs(), { deep: true });
  watch(() => toValue(instanceId), () => void reload(), { immediate: true });

  return { run, engine, rules, statuses, remotes, jobs, filters, live, loadError, loading, reload, loadRules, loadRemotes, loadJobs, loadStatus };
}
