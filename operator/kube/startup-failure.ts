// What ends the operator at start, said in one line with what to do: an unreachable API, refused
// credentials, a missing CRD, a forbidden verb. Pure, so every wording is tested.
import { KubeApiError, KubeUnreachableError } from './kube-api-error.js';

export const CRD_FILE = 'crds/brokerclusters.meshmq.io.yaml';

/** A failure already worded for the operator's user. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause: unknown }) { super(message, options); this.name = 'StartupError'; }
}

export class CrdMissingError extends StartupError {
  constructor(readonly crd: string) {
    super(`CRD ${crd} is not installed: kubectl apply -f ${CRD_FILE} (or install the meshmq-operator chart), then start the operator again`);
  }
}

export interface FailureContext { readonly server: string; readonly kubeconfig: string | undefined }

/** One line for `err`; undefined when it is not a failure the user can act on (a bug: keep the stack). */
export function describeStartupFailure(err: unknown, ctx: FailureContext): string | undefined {
  if (err instanceof StartupError) return err.message;
  const source = ctx.kubeconfig ? `the kubeconfig ${ctx.kubeconfig}` : 'the in-cluster ServiceAccount';
  if (err instanceof KubeUnreachableError) {
    return `${err.message}: check the server in ${source} and that the cluster is up`;
  }
  if (err instanceof KubeApiError) {
    if (err.code === 401) return `the Kubernetes API at ${ctx.server} refused the credentials of ${source} (401 Unauthorized): check its user, token or certificate`;
    if (err.code === 403) return `forbidden: ${err.message}: grant it to the operator's ServiceAccount (the ClusterRole of charts/meshmq-operator lists every verb it needs)`;
    return `the Kubernetes API at ${ctx.server} answered ${err.method} ${err.path} with ${err.code} ${err.reason}: ${err.message}`;
  }
  return undefined;
}
