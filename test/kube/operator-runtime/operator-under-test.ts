#!/usr/bin/env node
// The meshmq-operator command with the stand-in reconciler instead of the lead's: what the
// process-level runtime tests and the at-rest measurement spawn (from dist/). Same io as main.ts.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { runOperator } from '../../../operator/controller/operator-command.js';
import { createStandInReconciler } from './stand-in-reconciler.js';

const code = await runOperator({
  argv: process.argv.slice(2),
  env: process.env,
  hostname: os.hostname(),
  randomSuffix: randomBytes(4).toString('hex'),
  serviceAccountNamespace: undefined,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.on(signal, handler),
}, () => Promise.resolve(createStandInReconciler));
process.exit(code);
