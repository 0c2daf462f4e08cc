// "Did you mean" for unknown MESHMQ_* variables (pure): a typo finds its name, a different name none.
import { describe, expect, it } from '@jest/globals';
import { editDistance, nearestName } from './nearest-name.js';

describe('nearestName (did you mean)', () => {
  it('finds a typo a step or two away, and nothing for a different name', () => {
    const known = ['MESHMQ_MQTT_PORT', 'MESHMQ_WS_PORT', 'MESHMQ_HTTP_PORT', 'MESHMQ_LOG_LEVEL'];
    expect(editDistance('MESHMQ_MQTT_PROT', 'MESHMQ_MQTT_PORT')).toBe(1);
    expect(nearestName('MESHMQ_MQTT_PROT', known)).toBe('MESHMQ_MQTT_PORT');
    expect(nearestName('meshmq_log_levl', known)).toBe('MESHMQ_LOG_LEVEL');
    expect(nearestName('MESHMQ_REDIS_HOST', known)).toBeUndefined();
  });
});
