// What a container image stands for on this "node": no container engine runs here, so each
// image maps to a host command (its ENTRYPOINT and CMD) and the executables it contains.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ImageEntry {
  /** ENTRYPOINT, used when the container gives no `command`. */
  readonly entrypoint: readonly string[];
  /** CMD, used when the container gives neither `command` nor `args`. */
  readonly cmd: readonly string[];
  /** Executables inside the image, by name: a container `command` naming one runs this argv prefix. */
  readonly binaries: Readonly<Record<string, readonly string[]>>;
}

export interface ImageRule { readonly pattern: RegExp; readonly entry: ImageEntry }
export type ImageMap = readonly ImageRule[];

export class ImageNotFoundError extends Error {
  constructor(image: string) { super(`no image-map entry for image "${image}"`); this.name = 'ImageNotFoundError'; }
}

/** The repository root, found from this file (test/kube/kubelet/ in the sources and in dist/). */
export function repositoryRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '../../..');
  return path.basename(root) === 'dist' ? path.dirname(root) : root;
}

/**
 * The default map: `meshmq/broker:*` (any registry prefix, any tag) is the built broker
 * (`dist/broker/main.js`, from `npm run build`), `meshmq/operator:*` the built operator
 * (`dist/operator/main.js`, as the Dockerfile's operator target); `meshmq/test-image:*` and
 * `busybox:*` are the small test container (`dist/test/kube/kubelet/test-image.js`).
 */
export function defaultImageMap(root = repositoryRoot()): ImageMap {
  const node = process.execPath;
  const broker = [node, path.join(root, 'dist/broker/main.js')];
  const operator = [node, path.join(root, 'dist/operator/main.js')];
  const testImage = [node, path.join(root, 'dist/test/kube/kubelet/test-image.js')];
  return [
    { pattern: /^(?:[^/]+\/)*meshmq\/broker(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/, entry: { entrypoint: broker, cmd: [], binaries: { meshmq: broker, node: [node] } } },
    { pattern: /^(?:[^/]+\/)*meshmq\/operator(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/, entry: { entrypoint: operator, cmd: [], binaries: { 'meshmq-operator': operator, node: [node] } } },
    { pattern: /^(?:[^/]+\/)*(?:meshmq\/test-image|busybox)(?::[\w.-]+)?$/, entry: { entrypoint: testImage, cmd: [], binaries: { 'test-image': testImage, node: [node], sh: ['/bin/sh'] } } },
  ];
}

export function lookupImage(map: ImageMap, image: string): ImageEntry {
  const rule = map.find((r) => r.pattern.test(image));
  if (!rule) throw new ImageNotFoundError(image);
  return rule.entry;
}

/**
 * The argv a container runs, with Kubernetes' rules: `command` replaces ENTRYPOINT (its first
 * word names an executable of the image, by base name), `args` replaces CMD.
 */
export function resolveContainerArgv(entry: ImageEntry, command: readonly string[] | undefined, args: readonly string[] | undefined): string[] {
  if (command && command.length > 0) {
    const [exe, ...rest] = command as [string, ...string[]];
    const binary = entry.binaries[path.basename(exe)];
    if (!binary) throw new Error(`executable "${exe}" is not in the image (known: ${Object.keys(entry.binaries).join(', ')})`);
    return [...binary, ...rest, ...(args ?? [])];
  }
  return [...entry.entrypoint, ...(args ?? entry.cmd)];
}
