// `meshmq passwd [--user NAME]`: reads a password from stdin and prints a users-file entry
// (or, without --user, just the hash). Reading stdin keeps the password out of `ps` and history.
import { hashPassword } from '../auth/password-hash.js';
import { formatUserEntry } from '../auth/users-file.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const PASSWD_USAGE = 'usage: meshmq passwd [--user NAME] < password-file\n' +
  '  reads one password from stdin (the trailing newline is dropped) and prints\n' +
  '  a users-file entry for NAME, or only the hash without --user';

export interface PasswdInput {
  argv: readonly string[];
  /** All of stdin. */
  readStdin: () => Promise<Buffer>;
}

export async function runPasswd({ argv, readStdin }: PasswdInput): Promise<string> {
  const username = parseUser(argv);
  const raw = (await readStdin()).toString('utf8');
  // One password per run: only the line ending that a shell or echo adds is dropped.
  const password = raw.replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('no password on stdin');
  if (password.includes('\n')) throw new UsageError('stdin holds more than one line; give one password');
  const hash = await hashPassword(password);
  return username === undefined ? `${hash}\n` : formatUserEntry(username, hash);
}

function parseUser(argv: readonly string[]): string | undefined {
  let username: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--user' || arg === '-u') {
      username = argv[++i];
      if (username === undefined || username === '') throw new UsageError('--user needs a name');
    } else if (arg.startsWith('--user=')) {
      username = arg.slice('--user='.length);
      if (username === '') throw new UsageError('--user needs a name');
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return username;
}
