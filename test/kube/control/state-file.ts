// Where a running `kube:up` says how to reach it: a JSON file beside its kubeconfig, readable by
// its user only (it holds the control token).
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ControlState } from './control-server.js';

export const STATE_FILE_NAME = 'meshmq-kube.json';

/** The kubeconfig `kube:up` writes: the first path of $KUBECONFIG, else ./.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, env['KUBECONFIG']?.split(path.delimiter)[0] || path.join('.kube', 'config'));
}

export function stateFilePath(kubeconfig: string): string {
  return path.join(path.dirname(kubeconfig), STATE_FILE_NAME);
}

export async function writeState(file: string, state: ControlState): Promise<void> {
  await writeFile(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

export async function removeState(file: string): Promise<void> {
  await rm(file, { force: true });
}

export async function readState(file: string): Promise<ControlState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no running kube:up found (${file} does not exist): start one with npm run kube:up`);
  }
  const state = JSON.parse(text) as ControlState;
  try { process.kill(state.pid, 0); } catch {
    throw new Error(`the kube:up that wrote ${file} (pid ${state.pid}) is not running any more: start one with npm run kube:up`);
  }
  return state;
}
