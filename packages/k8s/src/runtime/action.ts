/**
 * What a reconcile asks for once it has succeeded. Build one with {@link Action.requeue} or
 * {@link Action.awaitChange}; failures are thrown and handled by the controller's error policy instead.
 */
export class Action {
  private constructor(
    /** Milliseconds until the key is reconciled again, or undefined to wait for a change. */
    readonly requeueAfterMs: number | undefined,
  ) {}

  /** Reconcile this key again after `ms`, even if nothing changes: the level-triggered safety net. */
  static requeue(ms: number): Action {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Action.requeue needs a delay >= 0, got ${ms}`);
    return new Action(ms);
  }

  /**
   * Reconcile this key again only when a watched object changes.
   *
   * Warning: with this, a missed event or an external change that no watch sees is never corrected; prefer
   * `Action.requeue(minutes)` unless every input of the reconcile is watched.
   */
  static awaitChange(): Action {
    return new Action(undefined);
  }
}
