// What the emulator knows about one served resource (a group/version/plural): its names,
// scope, verbs and subresources, as discovery advertises them and handlers obey them.
import type { JsonObject } from './json.js';

export interface ScaleSubresource { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string }

export interface PrinterColumn { name: string; type: string; jsonPath: string; description?: string; format?: string; priority?: number }

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  readonly status: boolean;
  readonly scale: ScaleSubresource | undefined;
  /** metadata.generation is maintained (bumped on every change outside metadata and status). */
  readonly hasGeneration: boolean;
  /** Built-in kinds accept strategic-merge patches; custom resources do not. */
  readonly builtin: boolean;
  /** Objects of every served version share one store key (`group/plural`). */
  readonly storeKey: string;
  /** Custom resources only: the version's schema, printer columns. */
  readonly schema?: JsonObject | undefined;
  readonly printerColumns?: readonly PrinterColumn[] | undefined;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function storeKeyOf(group: string, plural: string): string {
  return `${group}/${plural}`;
}
