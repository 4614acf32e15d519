export { FakeProviders } from "./server.js";
export type { FakeMachine, FakeProvidersOptions, ProviderRequest } from "./server.js";
