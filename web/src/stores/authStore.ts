import { defineStore } from "pinia";
import { ref } from "vue";

import { fetchSession, login as postLogin, logout as postLogout } from "../api/edge";
import { clearCache } from "../lib/overviewCache";

import type { ApiFailure } from "../api/client";

/** Holds the owner session (whether the cookie is valid) and performs login and logout. */
export const useAuthStore = defineStore("auth", () => {
  /** null until the edge has been asked. */
  const authenticated = ref<boolean | null>(null);

  /** Asks the edge once whether the session cookie is valid. */
  async function check(): Promise<boolean> {
    const result = await fetchSession();
    authenticated.value = result.ok;
    return result.ok;
  }

  /** Logs in; returns the failure, or null on success. */
  async function login(password: string): Promise<ApiFailure | null> {
    const result = await postLogin(password);
    authenticated.value = result.ok;
    return result.ok ? null : result.error;
  }

  /** Logs out and drops cached snapshots, so the next person at this browser finds none. */
  async function logout(): Promise<void> {
    await postLogout();
    clearCache();
    authenticated.value = false;
  }

  /** Marks the session as expired after a 401 from any route. */
  function expire(): void {
    authenticated.value = false;
  }

  return { authenticated, check, login, logout, expire };
});
