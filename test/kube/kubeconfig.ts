// Kubeconfig documents for the emulator: the YAML file kubectl reads and the
// @kubernetes/client-node KubeConfig the operator and tests use, from one description.
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface KubeconfigTarget {
  server: string;
  /** PEM of the CA that signed the serving certificate (the self-signed cert itself); absent for http. */
  caPem?: string | undefined;
  token?: string | undefined;
  namespace?: string | undefined;
  contextName?: string | undefined;
}

/** The kubeconfig document (apiVersion v1, kind Config) for one cluster, user and context. */
export function buildKubeconfig(target: KubeconfigTarget): Record<string, unknown> {
  const name = target.contextName ?? 'meshmq-emulator';
  const cluster: Record<string, unknown> = { server: target.server };
  if (target.caPem) cluster['certificate-authority-data'] = Buffer.from(target.caPem).toString('base64');
  // @kubernetes/client-node refuses plain http unless TLS verification is explicitly off.
  else if (target.server.startsWith('http:')) cluster['insecure-skip-tls-verify'] = true;
  // kubectl prompts for a username when a user entry has no credentials at all; an emulator that
  // checks no tokens accepts any, so a placeholder keeps kubectl non-interactive.
  const user: Record<string, unknown> = { token: target.token ?? 'unauthenticated' };
  const context: Record<string, unknown> = { cluster: name, user: name };
  if (target.namespace) context['namespace'] = target.namespace;
  return {
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{ name, cluster }], users: [{ name, user }], contexts: [{ name, context }], 'current-context': name,
  };
}

export function kubeconfigYaml(target: KubeconfigTarget): string {
  return stringify(buildKubeconfig(target));
}

export async function writeKubeconfigFile(path: string, target: KubeconfigTarget): Promise<void> {
  await writeFile(path, kubeconfigYaml(target), { mode: 0o600 });
}

export function toKubeConfig(target: KubeconfigTarget): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(buildKubeconfig(target)));
  return kc;
}
