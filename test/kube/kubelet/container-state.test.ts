import { describe, it, expect } from '@jest/globals';
import { exitCodeOf, restartDelayMs, shouldRestart, toKubeTime } from './container-state.js';
import { decidePhase, decideConditions, decideQosClass } from './pod-status.js';
import { defaultImageMap, lookupImage, resolveContainerArgv } from './image-map.js';

describe('container decisions', () => {
  it('backs off like the kubelet: immediate, then doubling up to the cap', () => {
    const b = { initialMs: 10_000, maxMs: 300_000 };
    expect([0, 1, 2, 3, 10].map((n) => restartDelayMs(n, b))).toEqual([0, 10_000, 20_000, 40_000, 300_000]);
  });
  it('restarts per restartPolicy; init containers until they succeed', () => {
    expect(shouldRestart('Always', 0, false)).toBe(true);
    expect(shouldRestart('OnFailure', 0, false)).toBe(false);
    expect(shouldRestart('OnFailure', 1, false)).toBe(true);
    expect(shouldRestart('Never', 1, false)).toBe(false);
    expect(shouldRestart('Always', 0, true)).toBe(false);
    expect(shouldRestart('Always', 2, true)).toBe(true);
  });
  it('reports signals as 128 + number and times to the second', () => {
    expect(exitCodeOf(null, 'SIGKILL')).toEqual({ exitCode: 137, signal: 9 });
    expect(exitCodeOf(3, null)).toEqual({ exitCode: 3 });
    expect(toKubeTime(new Date('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05Z');
  });
});

describe('pod status decisions', () => {
  const c = (s: Partial<{ started: boolean; ready: boolean; done: boolean; running: boolean; exitCode: number }>) =>
    ({ started: false, ready: false, done: false, running: false, exitCode: undefined, ...s });
  it('decides the phase', () => {
    expect(decidePhase({ init: [c({ running: true })], main: [c({})] })).toBe('Pending');
    expect(decidePhase({ init: [], main: [c({ running: true })] })).toBe('Running');
    expect(decidePhase({ init: [], main: [c({ done: true, exitCode: 0 })] })).toBe('Succeeded');
    expect(decidePhase({ init: [], main: [c({ done: true, exitCode: 0 }), c({ done: true, exitCode: 2 })] })).toBe('Failed');
    expect(decidePhase({ init: [c({ done: true, exitCode: 1 })], main: [c({})] })).toBe('Failed');
    expect(decidePhase({ init: [], main: [], setupError: 'x' })).toBe('Pending');
  });
  it('is Ready only when every container is ready and the pod runs', () => {
    const obs = { init: [c({ done: true, exitCode: 0 })], main: [c({ running: true, ready: true }), c({ running: true })] };
    expect(decideConditions(obs, 'Running')).toEqual({ PodScheduled: true, Initialized: true, ContainersReady: false, Ready: false });
    const ready = { init: [], main: [c({ running: true, ready: true })] };
    expect(decideConditions(ready, 'Running').Ready).toBe(true);
  });
  it('classifies QoS', () => {
    expect(decideQosClass({ spec: { containers: [{ name: 'a' }] } })).toBe('BestEffort');
    expect(decideQosClass({ spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } })).toBe('Guaranteed');
    expect(decideQosClass({ spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] } })).toBe('Burstable');
  });
});

describe('image map', () => {
  const map = defaultImageMap('/repo');
  it('maps the broker image, any registry and tag, and honours command/args', () => {
    const broker = lookupImage(map, 'ghcr.io/acme/meshmq/broker:1.2.3');
    expect(resolveContainerArgv(broker, undefined, undefined)).toEqual([process.execPath, '/repo/dist/broker/main.js']);
    expect(resolveContainerArgv(broker, undefined, ['--config', '/c.yaml'])).toEqual([process.execPath, '/repo/dist/broker/main.js', '--config', '/c.yaml']);
    expect(resolveContainerArgv(broker, ['/usr/local/bin/meshmq'], ['x'])).toEqual([process.execPath, '/repo/dist/broker/main.js', 'x']);
    expect(() => resolveContainerArgv(broker, ['nginx'], [])).toThrow(/not in the image/);
    expect(() => lookupImage(map, 'nginx:1')).toThrow(/no image-map entry/);
    expect(lookupImage(map, 'busybox')).toBe(lookupImage(map, 'meshmq/test-image:dev'));
  });
});
