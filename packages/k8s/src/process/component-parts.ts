import type { Component } from './run-component.js';

/** A component's parts, by when they run. */
export interface ComponentParts {
  /** Parts that run at once on every replica: all of them without leader election, else those that need none. */
  readonly everywhere: readonly Component[];
  /** Parts that run only once this replica holds the Lease (none without leader election). */
  readonly elected: readonly Component[];
}

/**
 * Splits a component's parts by when they start: with leader election, a part whose `needLeaderElection` is
 * `false` runs everywhere and the rest wait for the Lease; without it, every part runs at once.
 */
export function splitParts(parts: readonly Component[], leaderElect: boolean): ComponentParts {
  const everywhere = parts.filter((p) => !leaderElect || p.needLeaderElection === false);
  return { everywhere, elected: parts.filter((p) => !everywhere.includes(p)) };
}

/**
 * `/readyz` of a replica: a standby (leader election on, Lease held by another) is ready once the parts it runs
 * are — it serves with them, or only stands by to take over; the replica that works once every part is.
 */
export function partsReady(parts: ComponentParts, standby: boolean): boolean {
  return parts.everywhere.every((p) => p.ready) && (standby || parts.elected.every((p) => p.ready));
}
