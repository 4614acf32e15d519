import { afterEach, beforeEach, vi } from "vitest";

// Unit tests never reach the network: a test that needs HTTP stubs `fetch` itself.
beforeEach(() => {
  vi.stubGlobal("fetch", () => Promise.reject(new Error("real network call in a unit test; stub fetch in this test")));
});

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});
