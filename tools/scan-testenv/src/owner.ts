import { join } from 'node:path';
import { Component, type ComponentOptions, type Reaper, startReaper } from '@nimbus-ts/k8s/testing';

/**
 * Owns the processes of one test environment (a PostgreSQL, a registry, a Clair, or a whole scan stack) so
 * that none outlives the test run: each is started in a process group of its own, killed synchronously on a
 * normal process exit that skipped `stop()`, and killed by a detached reaper if this process is SIGKILLed.
 *
 * Several services can share one owner (the scan stack does), which keeps it to one reaper process.
 */
export class ProcessOwner {
  private readonly components: Component[] = [];
  private readonly reaper: Reaper;
  private released = false;
  private readonly onExit = () => {
    for (const c of this.components) c.killNow();
  };

  /**
   * @param dir - directory for the reaper's process-group list.
   * @param removeOnCrash - directory the reaper deletes after killing (bulky data such as PostgreSQL's);
   *   logs elsewhere stay for the post-mortem.
   */
  constructor(dir: string, removeOnCrash?: string) {
    this.reaper = startReaper(join(dir, 'process-groups'), removeOnCrash);
    process.once('exit', this.onExit);
  }

  /** Creates a {@link Component} whose process group this owner guarantees to kill. */
  component(
    name: string,
    bin: string,
    args: readonly string[],
    logPath: string,
    options: ComponentOptions = {},
  ): Component {
    const component = new Component(name, bin, args, logPath, this.reaper, options);
    this.components.push(component);
    return component;
  }

  /**
   * Stops every component (last started first) and ends the reaper. Call once the environment is no longer
   * needed; safe to call twice.
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const c of [...this.components].reverse()) await c.stop();
    process.removeListener('exit', this.onExit);
    this.reaper.dismiss();
  }
}
