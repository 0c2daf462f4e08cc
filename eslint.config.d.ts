// Types of eslint.config.js for the test that runs its import boundary (test/lint).
import type { Linter } from 'eslint';

export declare const boundaryRules: Linter.Config[];
declare const config: Linter.Config[];
export default config;
