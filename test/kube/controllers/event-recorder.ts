// Records core/v1 Events about objects, as controllers and the kubelet do, so `kubectl describe`
// shows what happened. Failing to record an event is logged, never fatal.
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../../broker/log/logger.js';

export interface EventRecorder {
  record(object: KubernetesObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export function createEventRecorder(kubeConfig: KubeConfig, component: string, logger: Logger, now: () => Date = () => new Date()): EventRecorder {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    record(object, type, reason, message) {
      const meta = object.metadata ?? {};
      const namespace = meta.namespace ?? 'default';
      const time = now().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const body = {
        metadata: { generateName: `${meta.name ?? 'object'}.`, namespace },
        involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: meta.name, namespace, uid: meta.uid },
        type, reason, message,
        source: { component },
        reportingComponent: component,
        firstTimestamp: time, lastTimestamp: time, count: 1,
      };
      core.createNamespacedEvent({ namespace, body: body as never }).catch((err: unknown) => logger.warn('cannot record event', { reason, err }));
    },
  };
}
