/** A value shared by every user in this process until the last one releases it. */
export interface SharedLease<T> {
  readonly value: T;
  /** Gives the value back; the last release stops it. Calling it twice is a no-op. */
  release(): Promise<void>;
}

/** What {@link acquireShared} starts once: the value and how to stop it. */
export interface SharedStart<T> {
  readonly value: T;
  stop(): Promise<void>;
}

interface Entry {
  users: number;
  readonly started: Promise<SharedStart<unknown>>;
}

/**
 * Starts a value once per process under `key` and counts its users: the first call starts it, later calls (also
 * from another copy of this module, since the registry is `globalThis`) share it, and the last release stops it.
 * A start that fails is forgotten, so the next call tries again.
 *
 * Vitest runs the global setups of every project in one process; two projects that both set up a control plane
 * (a monorepo's root project and a package's own configuration, or the source and the built copy of the setup)
 * then share one instead of starting two.
 */
export async function acquireShared<T>(
  key: symbol,
  start: () => Promise<SharedStart<T>>,
): Promise<SharedLease<T>> {
  const registry = globalThis as Record<symbol, Entry | undefined>;
  let entry = registry[key];
  if (!entry) {
    const created: Entry = { users: 0, started: start() };
    created.started.catch(() => {
      if (registry[key] === created) delete registry[key];
    });
    registry[key] = created;
    entry = created;
  }
  const current = entry;
  current.users++;
  let started: SharedStart<T>;
  try {
    started = (await current.started) as SharedStart<T>;
  } catch (error) {
    current.users--;
    throw error;
  }
  let released = false;
  return {
    value: started.value,
    async release() {
      if (released) return;
      released = true;
      current.users--;
      if (current.users > 0) return;
      if (registry[key] === current) delete registry[key];
      await started.stop();
    },
  };
}
