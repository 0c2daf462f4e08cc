// The load generator process: run.ts forks it (pinned to its own CPU), sends one scenario
// over IPC, and gets back one result; the process then exits so nothing leaks between runs.
import { runConnections } from './connection-scenarios.js';
import { runLatency } from './latency-scenario.js';
import { runQueue } from './queue-scenario.js';
import type { GeneratorReply, GeneratorRequest, ScenarioResult } from './scenario-spec.js';
import { runThroughput } from './throughput-scenario.js';

export async function runScenario(request: GeneratorRequest): Promise<ScenarioResult> {
  const { spec, endpoints } = request;
  switch (spec.kind) {
    case 'throughput': return await runThroughput(spec, endpoints);
    case 'latency': return await runLatency(spec, endpoints);
    case 'connections': return await runConnections(spec, endpoints);
    case 'queue': return await runQueue(spec, endpoints);
  }
}

function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) parts.push(e.message);
  return parts.length > 0 ? parts.join(': ') : String(err);
}

if (process.send !== undefined) {
  process.once('message', (request: GeneratorRequest) => {
    runScenario(request).then(
      (result) => ({ type: 'result', result }) satisfies GeneratorReply,
      (err: unknown) => ({ type: 'error', message: describeError(err) }) satisfies GeneratorReply,
    ).then((reply) => {
      process.send?.(reply, () => process.exit(0));
    }, (err: unknown) => {
      process.exitCode = 1;
      throw err;
    });
  });
}
