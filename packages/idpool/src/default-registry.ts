import { IntentRegistry } from './registry.js';

/**
 * The registry shared by everything in one process: it starts with the built-in intents, and a third-party adapter
 * that registers its intents here makes them known to the operator and to other adapters alike.
 *
 * @remarks
 * Tests and tools that must not see such registrations should build their own {@link IntentRegistry}.
 */
export const defaultRegistry: IntentRegistry = new IntentRegistry();
