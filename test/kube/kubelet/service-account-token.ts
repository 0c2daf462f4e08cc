// The kubelet's side of ServiceAccount volumes: which tokens a pod's projected volumes ask for, the
// key they are stored under, and the in-cluster credentials at their real path. Containers are host
// processes here; as root each runs in the mount namespace `ip netns exec` gives it, where the pod's
// token directory is bind-mounted (read-only) on /var/run/secrets/kubernetes.io/serviceaccount, so
// clients that read that fixed path (client-go, client-node's loadFromCluster) find their credentials.
import { mkdir } from 'node:fs/promises';
import type { V1Pod } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The directory the per-container tmpfs covers (it must exist on the host to be mounted on). */
const MOUNT_ROOT = '/var/run/secrets';

export interface TokenWanted { audience: string | undefined; expirationSeconds: number }

export function tokenKey(t: TokenWanted): string { return `${t.audience ?? ''}|${t.expirationSeconds}`; }

/** The serviceAccountToken projections of the pod's volumes. */
export function tokensWanted(pod: V1Pod): TokenWanted[] {
  const wanted = new Map<string, TokenWanted>();
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      if (!s.serviceAccountToken) continue;
      const t = { audience: s.serviceAccountToken.audience, expirationSeconds: s.serviceAccountToken.expirationSeconds ?? 3600 };
      wanted.set(tokenKey(t), t);
    }
  }
  return [...wanted.values()];
}

/** Creates the empty mount point on the host once (an empty directory under /run). */
export async function prepareServiceAccountMountPoint(): Promise<void> {
  await mkdir(MOUNT_ROOT, { recursive: true, mode: 0o755 });
}

/**
 * The argv that, run inside the container's own mount namespace (after `ip netns exec`, which
 * unshares it and keeps mounts from reaching the host), shows `hostDir` at the ServiceAccount path
 * and then execs `argv` (so signals still reach the container's process).
 */
export function withServiceAccountMount(hostDir: string, argv: readonly string[]): string[] {
  const script = [
    'set -e',
    `mount -t tmpfs -o mode=0755,size=1m meshmq-kube-secrets ${MOUNT_ROOT}`,
    `mkdir -p ${SERVICE_ACCOUNT_MOUNT_PATH}`,
    `mount --bind "$0" ${SERVICE_ACCOUNT_MOUNT_PATH}`,
    `mount -o remount,bind,ro ${SERVICE_ACCOUNT_MOUNT_PATH}`,
    'exec "$@"',
  ].join('; ');
  return ['/bin/sh', '-c', script, hostDir, ...argv];
}
