// Reading container logs back for `kubectl logs`: tail offsets, byte limits, the previous
// instance, and following a file that grows until the container stops.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PodLogRequest } from '../apiserver/pod-logs.js';
import { waitFor } from '../../support/wait.js';
import { containerLogPath, PodLogFiles, podLogDir, tailOffset } from './pod-log-files.js';

let dir: string;
const pod = { namespace: 'default', name: 'p0', uid: 'u-1' };
const request = (over: Partial<PodLogRequest> = {}): PodLogRequest => ({ ...pod, container: 'app', previous: false, follow: false, tailLines: undefined, limitBytes: undefined, ...over });

async function collect(chunks: AsyncIterable<Buffer> | undefined): Promise<string> {
  let text = '';
  for await (const c of chunks ?? []) text += c.toString();
  return text;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pod-logs-'));
  await mkdir(podLogDir(dir, pod), { recursive: true });
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('tailOffset', () => {
  it.each([
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc', 2, 'b\nc'],
    ['a\nb\nc\n', 5, 'a\nb\nc\n'],
    ['a\nb\nc\n', 0, ''],
    ['\n\n', 1, '\n'],
  ])('%j, last %i lines', async (text, lines, expected) => {
    const file = path.join(dir, 't.log');
    await writeFile(file, text);
    const handle = await open(file, 'r');
    try {
      expect(text.slice(await tailOffset(handle, text.length, lines))).toBe(expected);
    } finally { await handle.close(); }
  });

  it('finds lines across 64 KiB chunks', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const file = path.join(dir, 'big.log');
    await writeFile(file, text);
    const handle = await open(file, 'r');
    try {
      expect(text.slice(await tailOffset(handle, text.length, 3))).toBe('line 19997\nline 19998\nline 19999\n');
    } finally { await handle.close(); }
  });
});

describe('PodLogFiles', () => {
  const control = (running: () => boolean = () => false) => ({ signal: new AbortController().signal, isRunning: running });

  it('reads the current log whole, its tail, or a limited number of bytes; nothing when there is no file', async () => {
    const logs = new PodLogFiles(dir);
    await writeFile(containerLogPath(podLogDir(dir, pod), 'app'), 'one\ntwo\nthree\n');
    expect(await collect(await logs.read(request(), control()))).toBe('one\ntwo\nthree\n');
    expect(await collect(await logs.read(request({ tailLines: 1 }), control()))).toBe('three\n');
    expect(await collect(await logs.read(request({ limitBytes: 5 }), control()))).toBe('one\nt');
    expect(await logs.read(request({ container: 'other' }), control())).toBeUndefined();
  });

  it('reads the previous instance while the new one runs, the last one while a crashed container waits', async () => {
    const logs = new PodLogFiles(dir);
    await writeFile(containerLogPath(podLogDir(dir, pod), 'app'), 'second run\n');
    await writeFile(containerLogPath(podLogDir(dir, pod), 'app', 'previous'), 'first run\n');
    expect(await collect(await logs.read(request({ previous: true }), control(() => true)))).toBe('first run\n');
    expect(await collect(await logs.read(request({ previous: true }), control(() => false)))).toBe('second run\n');
  });

  it('follows a growing file and ends after the container stops, with its last lines', async () => {
    const logs = new PodLogFiles(dir, { pollMs: 10 });
    const file = containerLogPath(podLogDir(dir, pod), 'app');
    await writeFile(file, 'start\n');
    let running = true;
    let text = '';
    const done = (async () => { for await (const c of (await logs.read(request({ follow: true }), control(() => running)))!) text += c.toString(); })();
    await waitFor(() => text === 'start\n', { what: 'the existing content' });
    await appendFile(file, 'more\n');
    await waitFor(() => text === 'start\nmore\n', { what: 'the appended line' });
    await appendFile(file, 'last words\n');
    running = false;
    await done;
    expect(text).toBe('start\nmore\nlast words\n');
  });

  it('stops following when the client goes away', async () => {
    const logs = new PodLogFiles(dir, { pollMs: 10 });
    await writeFile(containerLogPath(podLogDir(dir, pod), 'app'), 'x\n');
    const aborter = new AbortController();
    const chunks = await logs.read(request({ follow: true }), { signal: aborter.signal, isRunning: () => true });
    const done = collect(chunks);
    aborter.abort();
    expect(await done).toMatch(/^(x\n)?$/);
  });
});
