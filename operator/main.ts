#!/usr/bin/env node
// The composition root and `meshmq-operator` command: the only place that reads process.env and
// argv, touches the console and calls process.exit. Everything else is runOperator's.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runOperator } from './controller/operator-command.js';
import type { CreateReconciler } from './controller/reconciler-factory.js';
import { StartupError } from './kube/startup-failure.js';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
// The reconciler is written beside the runtime (operator/reconcile/reconciler.ts); loaded by name
// so that this file builds before it exists. Replace with a static import once it has landed.
const RECONCILER_MODULE = './reconcile/reconciler.js';

async function loadReconciler(): Promise<CreateReconciler> {
  let module: { createReconciler?: unknown };
  try {
    module = await import(RECONCILER_MODULE) as { createReconciler?: unknown };
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new StartupError('this build has no reconciler: operator/reconcile/reconciler.ts (createReconciler) is not part of it yet');
  }
  if (typeof module.createReconciler !== 'function') throw new StartupError('operator/reconcile/reconciler.ts does not export createReconciler');
  return module.createReconciler as CreateReconciler;
}

function readServiceAccountNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch (err) {
    // Outside a pod there is no such file; anything else is worth knowing.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unhandled promise rejection', err: reason instanceof Error ? reason.message : String(reason) })}\n`);
});

const code = await runOperator({
  argv: process.argv.slice(2),
  env: process.env,
  hostname: os.hostname(),
  randomSuffix: randomBytes(4).toString('hex'),
  serviceAccountNamespace: readServiceAccountNamespace(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.on(signal, handler),
}, loadReconciler);
process.exit(code);
