// Records core/v1 Events about objects, as client-go's recorder does for controllers and the
// kubelet: `<name>.<hex time>` names, the source component and host, and repeats folded into one
// Event whose count and lastTimestamp grow (the correlator), so `kubectl describe` shows "(x5 over 20s)".
// Failing to record an event is logged, never fatal.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/contract/logger.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSource { component: string; host?: string }

export interface EventRecorder {
  /** `fieldPath` names the part of the object, e.g. `spec.containers{app}` for a container's events. */
  record(object: KubernetesObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

interface Series { name: string; namespace: string; count: number; written: Promise<unknown> }

// client-go keeps this many series in its correlator's LRU cache.
const MAX_SERIES = 4096;

export function createEventRecorder(kubeConfig: KubeConfig, source: EventSource, logger: Logger, now: () => Date = () => new Date()): EventRecorder {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const series = new Map<string, Series>();
  let sequence = 0;
  const warn = (reason: string) => (err: unknown): void => logger.warn('cannot record event', { reason, err });
  return {
    record(object, type, reason, message, fieldPath) {
      const meta = object.metadata ?? {};
      const namespace = meta.namespace ?? 'default';
      const at = now();
      const time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
      const key = JSON.stringify([meta.uid, fieldPath, type, reason, message]);
      const seen = series.get(key);
      if (seen) {
        seen.count++;
        const body = { count: seen.count, lastTimestamp: time };
        // Patches of one series go out in order, each after the create that names the Event.
        seen.written = seen.written.then(() => core.patchNamespacedEvent({ name: seen.name, namespace: seen.namespace, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))).catch(warn(reason));
        return;
      }
      // client-go names events `<object>.<UnixNano in hex>`; the sequence keeps names unique within a millisecond.
      const name = `${meta.name ?? 'object'}.${(BigInt(at.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000)).toString(16)}`;
      const body = {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion, kind: object.kind, name: meta.name, namespace, uid: meta.uid,
          ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}), ...(fieldPath ? { fieldPath } : {}),
        },
        type, reason, message,
        source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
        firstTimestamp: time, lastTimestamp: time, count: 1,
      };
      const written = core.createNamespacedEvent({ namespace, body: body as never }).catch(warn(reason));
      series.set(key, { name, namespace, count: 1, written });
      if (series.size > MAX_SERIES) series.delete(series.keys().next().value as string);
    },
  };
}
