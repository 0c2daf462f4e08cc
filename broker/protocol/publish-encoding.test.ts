import { describe, expect, it } from '@jest/globals';
import { encodePlainPublish, splitWithPacketId, withPacketId } from './publish-encoding.js';

describe('splitWithPacketId', () => {
  it.each([[4, 16], [4, 5000], [5, 16], [5, 70000]])('v%i with a %i-byte payload: head + tail are the bytes of withPacketId', (version, size) => {
    const shared = encodePlainPublish(version as 4 | 5, 'tenant/device-123/telemetry', Buffer.alloc(size, 7), 1, false, false, 1);
    const { head, tail } = splitWithPacketId(shared, 0xbeef);
    const whole = tail === undefined ? head : Buffer.concat([head, tail]);
    expect(whole.equals(withPacketId(shared, 0xbeef, false))).toBe(true);
    // Large payloads are not copied: the tail is a view of the shared encoding.
    if (size > 2048) expect(tail?.buffer).toBe(shared.buffer);
  });
});
