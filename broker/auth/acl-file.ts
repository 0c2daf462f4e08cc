// ACL rules as written in the ACL file (YAML/JSON): a list of
// `{ action: publish|subscribe|all, permission: allow|deny, username?, clientId?, topic }`,
// evaluated in order, first match wins (see acl.ts). `topic` is an MQTT filter that may use
// `+`, `#`, and `%u` / `%c` for the client's username / client id.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const ACL_ACTIONS = ['publish', 'subscribe', 'all'] as const;
export const ACL_PERMISSIONS = ['allow', 'deny'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

export class AclFileError extends Error {
  override readonly name = 'AclFileError';
}

/** Why `filter` is not a valid ACL topic pattern, or undefined when it is [MQTT-4.7.1-1], [MQTT-4.7.1-2]. */
export function topicPatternProblem(filter: string): string | undefined {
  if (filter === '') return 'must not be empty';
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be a whole level and the last one';
    if (level.includes('+') && level !== '+') return '"+" must be a whole level';
  }
  return undefined;
}

export const aclRuleSchema = z.strictObject({
  action: z.enum(ACL_ACTIONS),
  permission: z.enum(ACL_PERMISSIONS),
  /** Applies only to this username (exact). */
  username: z.string().min(1).optional(),
  /** Applies only to this client id (exact). */
  clientId: z.string().min(1).optional(),
  topic: z.string().superRefine((t, ctx) => {
    const problem = topicPatternProblem(t);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `topic ${JSON.stringify(t)} ${problem}` });
  }),
});
export type AclRule = z.output<typeof aclRuleSchema>;

const rulesSchema = z.array(aclRuleSchema);

/** Parses the text of an ACL file; `source` names it in error messages. */
export function parseAclFile(text: string, source: string): AclRule[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new AclFileError(`ACL file ${source}: not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
  // `{ rules: [...] }` is accepted as a wrapper around the plain list.
  const wrapped = data !== null && typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 1 && 'rules' in data;
  const parsed = rulesSchema.safeParse(wrapped ? (data as { rules: unknown }).rules : data ?? []);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => {
      const at = issue.path.length === 0 ? '' : `rule ${issue.path.join('.')}: `;
      return `${at}${issue.message}`;
    });
    throw new AclFileError(`ACL file ${source}: ${problems.join('; ')}`);
  }
  return parsed.data;
}
