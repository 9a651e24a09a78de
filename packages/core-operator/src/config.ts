import { type ComponentConfig, componentUsage, parseComponentConfig } from '@nimbus-ts/k8s';

/** The core operator's program name and defaults; flags and environment variables are those of every component. */
export const OPERATOR_DEFAULTS = {
  program: 'nimbus-core-operator',
  leaseName: 'nimbus-core-operator',
  resync: '5m',
} as const;

/** The usage text printed by `--help` and with configuration errors. */
export const USAGE = componentUsage(OPERATOR_DEFAULTS);

/**
 * Reads the operator's configuration from flags, falling back to environment variables, then defaults.
 *
 * @throws an Error naming the flag and what it accepts, for unknown flags and bad values.
 */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ComponentConfig {
  return parseComponentConfig(OPERATOR_DEFAULTS, argv, env);
}
