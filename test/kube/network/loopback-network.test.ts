import { describe, it, expect } from '@jest/globals';
import { LoopbackNetwork } from './loopback-network.js';
import { PartitionUnsupportedError } from './pod-network.js';

describe('LoopbackNetwork', () => {
  it('gives each pod its own 127.A.B.x address in a block no parallel environment holds', async () => {
    const one = await LoopbackNetwork.start();
    const [, a, b] = one.hostAddress.split('.');
    await expect(LoopbackNetwork.start({ block: [Number(a), Number(b)] })).rejects.toThrow(/no free/);
    try {
      const x = await one.attach('default/x');
      const y = await one.attach('default/y');
      expect(x.ip).not.toBe(y.ip);
      expect(x.ip.startsWith(`127.${a}.${b}.`)).toBe(true);
      expect(await one.attach('default/x')).toBe(x);
      expect(one.wrapCommand('default/x', ['node', 'main.js'])).toEqual(['node', 'main.js']);
      await expect(one.partition()).rejects.toBeInstanceOf(PartitionUnsupportedError);
      await one.detach('default/x');
      expect(one.attachment('default/x')).toBeUndefined();
    } finally {
      await one.close();
    }
  });
});
