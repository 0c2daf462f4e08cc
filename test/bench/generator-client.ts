// The parent's side of the generator: start generator.js as its own pinned process, send it
// one scenario, and wait (bounded) for its result.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PinnedProcess } from './pinned-process.js';
import type { GeneratorReply, GeneratorRequest, ScenarioResult } from './scenario-spec.js';

const GENERATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generator.js');

export async function runInGenerator(request: GeneratorRequest, cpus: string | undefined, timeoutMs: number): Promise<ScenarioResult> {
  const generator = new PinnedProcess({ name: 'generator', command: process.execPath, args: [GENERATOR], cpus, ipc: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<GeneratorReply>((resolve, reject) => {
      generator.child.once('message', (message: GeneratorReply) => resolve(message));
      void generator.exited.then(({ code, signal }) => reject(new Error(`generator exited (code ${code}, signal ${signal}) without a result:\n${generator.output()}`)));
      timer = setTimeout(() => reject(new Error(`generator gave no result within ${timeoutMs} ms`)), timeoutMs);
      generator.child.send(request);
    });
    if (reply.type === 'error') throw new Error(`scenario ${request.spec.name} failed: ${reply.message}`);
    return reply.result;
  } finally {
    clearTimeout(timer);
    await generator.stop(5000);
  }
}
