#!/usr/bin/env node
// The composition root and `meshmq-operator` command: the only place that reads process.env and
// argv, touches the console and calls process.exit. It builds the reconciler's own dependencies
// (the brokers' admin client, randomness, the cluster domain); runOperator does the rest.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createBrokerAdminClient } from './brokers/broker-admin-client.js';
import { runOperator } from './controller/operator-command.js';
import type { OperatorConfig } from './controller/operator-config.js';
import type { CreateReconciler } from './controller/reconciler-factory.js';
import { createReconciler } from './reconcile/reconciler.js';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function reconcilerFor(config: OperatorConfig): Promise<CreateReconciler> {
  const brokers = createBrokerAdminClient();
  return Promise.resolve((services) => createReconciler({ ...services, brokers, random: randomBytes, clusterDomain: config.clusterDomain }));
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
}, reconcilerFor);
process.exit(code);
