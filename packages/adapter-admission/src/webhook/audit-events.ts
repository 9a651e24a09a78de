import type { EventRecorder } from '@nimbus-ts/k8s';
import type { AuditEvent } from '../admission/index.js';

/** How long one (object, message) Event is not repeated: a crash-looping ReplicaSet must not flood the namespace. */
const QUIET_MS = 10 * 60_000;

/** The Event message of an audited request: each offending image and why, as one text. */
export function auditMessage(event: AuditEvent): string {
  const lines = event.violations.map(
    (v) =>
      `${v.container ? `container ${v.container}: ` : ''}image ${v.image} ${v.reason} (policy ${v.policy}, ${v.rule})`,
  );
  return `admitted in Audit mode, but it would be refused under Block: ${lines.join('; ')}`;
}

/**
 * Records each audited request as a Warning Event on the object that was admitted (`kubectl describe` shows it),
 * at most once per object and message every ten minutes.
 */
export function auditEventRecorder(recorder: EventRecorder, now: () => number = Date.now) {
  const recent = new Map<string, number>();
  return async (event: AuditEvent): Promise<void> => {
    const { subject } = event;
    const message = auditMessage(event);
    const key = `${subject.namespace}/${subject.kind}/${subject.name ?? ''}/${message}`;
    const last = recent.get(key);
    if (last !== undefined && now() - last < QUIET_MS) return;
    if (recent.size >= 10_000) recent.clear();
    recent.set(key, now());
    await recorder.record(
      {
        apiVersion: subject.group ? `${subject.group}/v1` : 'v1',
        kind: subject.kind,
        metadata: { namespace: subject.namespace, name: subject.name ?? subject.kind.toLowerCase() },
      },
      'Warning',
      'ImagePolicyAudit',
      message,
    );
  };
}
