// The lint's import boundary, run through ESLint's Node API on small sources: the operator may
// import broker/contract/ only, the broker never the operator nor tests, the contract nothing of the
// broker but zod. The rules are the very objects eslint.config.js gives `npm run lint` (checked
// below); they run here with the TypeScript parser alone, without the slow type-aware project.
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import config, { boundaryRules } from '../../eslint.config.js';
import { repoRoot } from '../support/broker-process.js';

const eslint = new ESLint({
  cwd: repoRoot(),
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...boundaryRules],
});

/** The boundary messages ESLint reports for `code` as if it were the file at `filePath`. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const OPERATOR_FILE = 'operator/api/duration.ts';
const BROKER_FILE = 'broker/util/version.ts';
const CONTRACT_FILE = 'broker/contract/cluster-api.ts';

describe('the import boundary', () => {
  it('is part of the configuration npm run lint uses', () => {
    for (const rule of boundaryRules) expect(config).toContain(rule);
  });

  it('lets the operator import the broker contract', async () => {
    expect(await boundaryErrors(OPERATOR_FILE, "import { ADMIN_ENDPOINTS } from '../../broker/contract/admin-endpoints.js';\nexport const e = ADMIN_ENDPOINTS;\n")).toEqual([]);
  });

  it('refuses any other broker module in the operator', async () => {
    const errors = await boundaryErrors(OPERATOR_FILE, "import { createBroker } from '../../broker/broker.js';\nexport const b = createBroker;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the operator may import only broker\/contract\//);
    expect(await boundaryErrors(OPERATOR_FILE, "import type { Session } from '../../broker/session/session.js';\nexport type S = Session;\n")).toHaveLength(1);
  });

  it('refuses the operator and test code in the broker', async () => {
    expect(await boundaryErrors(BROKER_FILE, "import { x } from '../../operator/api/duration.js';\nexport const y = x;\n")).toEqual([
      expect.stringMatching(/the broker never imports the operator/),
    ]);
    expect(await boundaryErrors(BROKER_FILE, "import { waitFor } from '../../test/support/wait.js';\nexport const w = waitFor;\n")).toEqual([
      expect.stringMatching(/the broker never imports test code/),
    ]);
  });

  it('keeps the contract to zod and its own files', async () => {
    expect(await boundaryErrors(CONTRACT_FILE, "import { z } from 'zod';\nimport { ADMIN_PATHS } from './admin-api.js';\nexport const a = [z, ADMIN_PATHS];\n")).toEqual([]);
    const errors = await boundaryErrors(CONTRACT_FILE, "import type { Config } from '../config/schema.js';\nimport http from 'node:http';\nexport type C = [Config, typeof http];\n");
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatch(/imports zod and its own files only/);
  });
});
