// The users file: a YAML/JSON list of `{ username, password }` where password is a hash from
// `meshmq passwd`. A plain-text password is refused: the file is a credential store, and a
// readable secret in it would be a leak waiting to happen.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isPasswordHash, parsePasswordHash, type ParsedHash } from './password-hash.js';

export class UsersFileError extends Error {
  override readonly name = 'UsersFileError';
}

const entrySchema = z.strictObject({ username: z.string().min(1).max(65535), password: z.string().min(1) });
const fileSchema = z.union([z.array(entrySchema), z.strictObject({ users: z.array(entrySchema) })]);

export type UserTable = ReadonlyMap<string, ParsedHash>;

/** Parses the text of a users file; `source` names it in error messages. */
export function parseUsersFile(text: string, source: string): UserTable {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new UsersFileError(`users file ${source}: not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = fileSchema.safeParse(data ?? []);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new UsersFileError(`users file ${source}: expected a list of { username, password }${where}: ${issue?.message ?? 'invalid'}`);
  }
  const entries = Array.isArray(parsed.data) ? parsed.data : parsed.data.users;
  const table = new Map<string, ParsedHash>();
  for (const [i, { username, password }] of entries.entries()) {
    if (table.has(username)) throw new UsersFileError(`users file ${source}: user "${username}" appears twice (entry ${i})`);
    if (!isPasswordHash(password)) {
      throw new UsersFileError(`users file ${source}: user "${username}" has a plain-text password; store a hash made by \`meshmq passwd --user ${username}\``);
    }
    try {
      table.set(username, parsePasswordHash(password));
    } catch (err) {
      throw new UsersFileError(`users file ${source}: user "${username}" has a malformed hash: ${(err as Error).message}`, { cause: err });
    }
  }
  return table;
}

/** One users-file entry, as `meshmq passwd` prints it (YAML list item). */
export function formatUserEntry(username: string, hash: string): string {
  return `- username: ${JSON.stringify(username)}\n  password: ${JSON.stringify(hash)}\n`;
}
