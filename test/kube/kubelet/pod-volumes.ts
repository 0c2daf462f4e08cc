// A pod's volumes as host directories (`<podDir>/volumes/<name>`), and the path rule that lets
// a process find them: every container `mountPath` is rewritten to its host directory wherever
// it appears in the container's env values, command, args and in the text of mounted ConfigMap files.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { V1Container, V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { ContainerConfigError, resolveFieldPath, type EnvSources } from './pod-env.js';
import { tokenKey } from './service-account-token.js';

export interface Mount { readonly mountPath: string; readonly hostPath: string; readonly readOnly: boolean }

/**
 * Replaces each mount path (at a path boundary) with its host path; longest mount paths first, in
 * one pass, so that a host path (under /tmp) is never rewritten again by a `/tmp` mount.
 */
export function rewriteMountPaths(text: string, mounts: readonly Mount[]): string {
  const byPath = new Map<string, string>();
  for (const mount of [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length)) {
    const from = mount.mountPath.replace(/\/+$/, '');
    if (from !== '' && !byPath.has(from)) byPath.set(from, mount.hostPath);
  }
  if (byPath.size === 0) return text;
  const alternatives = [...byPath.keys()].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  // Only a whole path: not preceded by a path character, followed by `/` or the end of the path.
  return text.replace(new RegExp(`(?<![\\w./-])(?:${alternatives})(?=/|$|[^\\w.-])`, 'g'), (found) => byPath.get(found) ?? found);
}

/** Where each of the container's volumeMounts lives on the host. */
export function containerMounts(container: V1Container, podDir: string): Mount[] {
  return (container.volumeMounts ?? []).map((m) => ({
    mountPath: m.mountPath,
    hostPath: path.join(podDir, 'volumes', m.name, m.subPath ?? ''),
    readOnly: m.readOnly ?? false,
  }));
}

interface FileToWrite { relative: string; content: string | Buffer; mode: number | undefined; rewrite: boolean }

function keyFiles(data: Record<string, string | Buffer>, items: readonly V1KeyToPath[] | undefined, what: string, optional: boolean | undefined, defaultMode: number | undefined, rewrite: boolean): FileToWrite[] {
  const chosen: readonly V1KeyToPath[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  const files: FileToWrite[] = [];
  for (const item of chosen) {
    const content = data[item.key];
    if (content === undefined) {
      if (optional) continue;
      throw new ContainerConfigError(`${what}: key "${item.key}" not found`);
    }
    files.push({ relative: item.path, content, mode: item.mode ?? defaultMode, rewrite });
  }
  return files;
}

function configMapFiles(name: string, items: V1KeyToPath[] | undefined, optional: boolean | undefined, defaultMode: number | undefined, sources: EnvSources): FileToWrite[] {
  const cm = sources.configMaps.get(name);
  if (!cm) {
    if (optional) return [];
    throw new ContainerConfigError(`configmap "${name}" not found`);
  }
  const data: Record<string, string | Buffer> = { ...cm.data };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(v, 'base64');
  return keyFiles(data, items, `configmap "${name}"`, optional, defaultMode, true);
}

function secretFiles(name: string, items: V1KeyToPath[] | undefined, optional: boolean | undefined, defaultMode: number | undefined, sources: EnvSources): FileToWrite[] {
  const secret = sources.secrets.get(name);
  if (!secret) {
    if (optional) return [];
    throw new ContainerConfigError(`secret "${name}" not found`);
  }
  const data: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = v;
  return keyFiles(data, items, `secret "${name}"`, optional, defaultMode, false);
}

/** The files one volume holds (emptyDir: none). */
export function volumeFiles(pod: V1Pod, volume: V1Volume, sources: EnvSources): FileToWrite[] {
  if (volume.configMap) return configMapFiles(volume.configMap.name ?? '', volume.configMap.items, volume.configMap.optional, volume.configMap.defaultMode, sources);
  if (volume.secret) return secretFiles(volume.secret.secretName ?? '', volume.secret.items, volume.secret.optional, volume.secret.defaultMode, sources);
  if (volume.downwardAPI) {
    return (volume.downwardAPI.items ?? []).map((item) => {
      if (!item.fieldRef) throw new ContainerConfigError(`downwardAPI volume ${volume.name}: only fieldRef items are supported`);
      return { relative: item.path, content: resolveFieldPath(pod, item.fieldRef.fieldPath), mode: item.mode ?? volume.downwardAPI?.defaultMode, rewrite: false };
    });
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode;
    return (volume.projected.sources ?? []).flatMap((source) => {
      if (source.configMap) return configMapFiles(source.configMap.name ?? '', source.configMap.items, source.configMap.optional, mode, sources);
      if (source.secret) return secretFiles(source.secret.name ?? '', source.secret.items, source.secret.optional, mode, sources);
      if (source.downwardAPI) return volumeFiles(pod, { name: volume.name, downwardAPI: { items: source.downwardAPI.items ?? [] } }, sources);
      if (source.serviceAccountToken) {
        const wanted = { audience: source.serviceAccountToken.audience, expirationSeconds: source.serviceAccountToken.expirationSeconds ?? 3600 };
        const token = sources.tokens?.get(tokenKey(wanted));
        if (token === undefined) throw new ContainerConfigError(`projected volume ${volume.name}: no token for service account "${pod.spec?.serviceAccountName ?? 'default'}"`);
        return [{ relative: source.serviceAccountToken.path, content: token, mode, rewrite: false }];
      }
      throw new ContainerConfigError(`projected volume ${volume.name}: unsupported source`);
    });
  }
  if (volume.emptyDir) return [];
  throw new ContainerConfigError(`volume ${volume.name}: unsupported type (configMap, secret, emptyDir, downwardAPI, projected are)`);
}

/**
 * Writes every volume of the pod under `<podDir>/volumes/`. ConfigMap text has the pod's mount
 * paths rewritten, so a config file naming a mounted certificate finds it on the host.
 */
export async function writePodVolumes(pod: V1Pod, podDir: string, sources: EnvSources): Promise<void> {
  const mounts = (pod.spec?.containers ?? []).flatMap((c) => containerMounts(c, podDir));
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = path.join(podDir, 'volumes', volume.name);
    await mkdir(dir, { recursive: true });
    for (const file of volumeFiles(pod, volume, sources)) {
      const target = path.join(dir, file.relative);
      if (!target.startsWith(dir + path.sep)) throw new ContainerConfigError(`volume ${volume.name}: path "${file.relative}" leaves the volume`);
      await mkdir(path.dirname(target), { recursive: true });
      const content = file.rewrite && typeof file.content === 'string' ? rewriteMountPaths(file.content, mounts) : file.content;
      await writeFile(target, content);
      if (file.mode !== undefined) await chmod(target, file.mode);
    }
  }
}
