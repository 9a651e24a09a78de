/**
 * `@nimbus-ts/registry/testing`: an in-memory registry behind a fake `fetch`, for unit tests of code that talks
 * to registries through `@nimbus-ts/registry` (failures, authentication and clocks made easy).
 *
 * @packageDocumentation
 */
export { type Call, type FakeRegistryOptions, fakeRegistry, sha256 } from './fake-registry.js';
