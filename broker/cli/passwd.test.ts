// `meshmq passwd`: what it prints is what the users file reads back.
import { describe, expect, it } from '@jest/globals';
import { verifyPassword } from '../auth/password-hash.js';
import { parseUsersFile } from '../auth/users-file.js';
import { UsageError, runPasswd } from './passwd.js';

const stdin = (text: string) => async () => Buffer.from(text);

describe('meshmq passwd', () => {
  it('prints an entry the users file accepts, for the password without its newline', async () => {
    const entry = await runPasswd({ argv: ['--user', 'alice'], readStdin: stdin('s3cret\n') });
    const table = parseUsersFile(entry, 'stdout');
    expect(await verifyPassword('s3cret', table.get('alice')!)).toBe(true);
    expect(await verifyPassword('s3cret\n', table.get('alice')!)).toBe(false);
  });

  it('prints only the hash without --user', async () => {
    expect(await runPasswd({ argv: [], readStdin: stdin('pw') })).toMatch(/^scrypt\$16384\$8\$1\$\S+\n$/);
  });

  it('refuses empty input, several lines and unknown arguments', async () => {
    await expect(runPasswd({ argv: [], readStdin: stdin('\n') })).rejects.toThrow(UsageError);
    await expect(runPasswd({ argv: [], readStdin: stdin('a\nb\n') })).rejects.toThrow(/more than one line/);
    await expect(runPasswd({ argv: ['--usr', 'x'], readStdin: stdin('pw') })).rejects.toThrow(/unknown argument/);
    await expect(runPasswd({ argv: ['--user'], readStdin: stdin('pw') })).rejects.toThrow(/--user needs a name/);
  });
});
