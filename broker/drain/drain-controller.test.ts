// The drain's order and states against a fake broker and cluster: refuse and announce first, let
// non-persistent clients go, hand sessions over (retrying a refusing peer), disconnect the rest,
// wait for the relays, leave; serving -> draining -> drained; once only; without peers, say so.
import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { ReasonCode } from '../protocol/reason-codes.js';
import { DrainController, type DrainBroker, type DrainCluster } from './drain-controller.js';
import { chooseHandoffTarget } from './handoff-target.js';

interface Held { clientId: string; username: string | undefined; persistent: boolean; connected: boolean }

function setup(options: { sessions: Held[]; peers: string[]; refusing?: string[]; taking?: boolean }) {
  const events: string[] = [];
  const held = new Map(options.sessions.map((s) => [s.clientId, s]));
  let relays = 0;
  const broker: DrainBroker = {
    beginDrain: (reason) => { events.push(`begin:${reason.toString(16)}`); },
    heldSessions: () => [...held.values()],
    countClients: () => [...held.values()].filter((s) => s.connected).length,
    flushConnected: async () => { events.push('flush'); },
    disconnectClients: (which) => {
      events.push(`disconnect:${which}`);
      let n = 0;
      for (const s of held.values()) {
        if (!s.connected || (which === 'non-persistent' && s.persistent)) continue;
        n++;
        if (s.persistent) s.connected = false; else held.delete(s.clientId);
      }
      return n;
    },
    pendingRelays: () => new Map(relays > 0 ? [['peer', relays]] : []),
    unacknowledgedRelays: () => 0,
    endAllRelays: () => { events.push('end-relays'); },
  };
  let controller: DrainController;
  const cluster: DrainCluster = {
    announceStatus: () => { events.push(`announce:${controller.state}`); },
    handoffCandidates: (exclude) => options.peers.filter((p) => !exclude.has(p)),
    requestHandoff: (node, sessions) => {
      events.push(`ask:${node}:${sessions.map((s) => s.clientId).join(',')}`);
      if (options.refusing?.includes(node)) { setImmediate(() => controller.refused(node, sessions.map((s) => s.clientId))); return true; }
      if (options.taking === false) return true;
      // The peer claims each session: it leaves this node and a relay stays until its routes are out.
      setImmediate(() => { for (const s of sessions) held.delete(s.clientId); relays += sessions.length; setTimeout(() => { relays = 0; }, 5); });
      return true;
    },
    leave: async () => { events.push('leave'); },
  };
  const metrics = createBrokerMetrics({ defaultMetrics: false });
  controller = new DrainController({ nodeName: 'c', broker, cluster: () => cluster, logger: silentLogger, metrics, now: Date.now, timeoutMs: 3000, tickMs: 2 });
  return { controller, events, metrics };
}

const persistent = (clientId: string, connected = false): Held => ({ clientId, username: undefined, persistent: true, connected });

describe('DrainController', () => {
  it('goes serving -> draining -> drained in order, handing every persistent session over', async () => {
    const { controller, events, metrics } = setup({ sessions: [persistent('p1', true), persistent('p2'), { clientId: 'clean', username: undefined, persistent: false, connected: true }], peers: ['a', 'b'] });
    expect(controller.status()).toMatchObject({ state: 'serving', sessions: { toHandOver: 0 } });
    const run = controller.start('api', ['x']);
    expect(controller.state).toBe('draining');
    expect(controller.start('signal')).toBe(run); // once
    await run;
    expect(controller.status()).toMatchObject({ state: 'drained', trigger: 'api', exclude: ['x'], sessions: { toHandOver: 2, handedOver: 2, failed: 0, clientsConnected: 0 } });
    const order = events.filter((e) => !e.startsWith('ask:'));
    expect(order).toEqual(['begin:9c', 'announce:draining', 'flush', 'disconnect:non-persistent', 'disconnect:all', 'leave', 'end-relays']);
    expect(events.some((e) => e.startsWith('ask:'))).toBe(true);
    expect((await metrics.registry.getSingleMetric('meshmq_drain_sessions_handed_over_total')?.get())?.values[0]?.value).toBe(2);
  });

  it('tells clients 0x8B when a signal started it', async () => {
    const { controller, events } = setup({ sessions: [], peers: ['a'] });
    await controller.start('signal');
    expect(events[0]).toBe(`begin:${ReasonCode.ServerShuttingDown.toString(16)}`);
  });

  it('asks another peer when one refuses (it drains too)', async () => {
    const first = chooseHandoffTarget('p1', ['a', 'b'])!;
    const other = first === 'a' ? 'b' : 'a';
    const { controller, events } = setup({ sessions: [persistent('p1')], peers: ['a', 'b'], refusing: [first] });
    await controller.start('api');
    expect(events.filter((e) => e.startsWith('ask:'))).toEqual([`ask:${first}:p1`, `ask:${other}:p1`]);
    expect(controller.status().sessions).toMatchObject({ handedOver: 1, failed: 0 });
  });

  it('without a peer fails every session at once and says why', async () => {
    const { controller } = setup({ sessions: [persistent('p1'), persistent('p2', true)], peers: [] });
    await controller.start('api');
    expect(controller.status()).toMatchObject({ state: 'drained', sessions: { toHandOver: 2, handedOver: 0, failed: 2 }, message: expect.stringMatching(/no surviving peer/) });
  });

  it('gives up on sessions nobody takes within the bound, and still leaves', async () => {
    const { controller, events } = setup({ sessions: [persistent('p1')], peers: ['a'], taking: false });
    const t0 = Date.now();
    await controller.start('api');
    expect(Date.now() - t0).toBeLessThan(3000 + 500);
    expect(controller.status().sessions).toMatchObject({ handedOver: 0, failed: 1 });
    expect(events).toContain('leave');
  });
});
