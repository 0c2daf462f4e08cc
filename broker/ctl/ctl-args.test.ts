// `meshmq ctl` arguments (pure): the commands a person types, the broker they reach by default,
// and the usage errors a script sees as exit 2.
import { describe, expect, it } from '@jest/globals';
import { CtlUsageError, parseCtlArgs } from './ctl-args.js';
import { formatAge, formatTable } from './format-table.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseCtlArgs(argv, env);

describe('parseCtlArgs', () => {
  it('reads each command with its operands and options', () => {
    expect(parse(['cluster', 'status']).command).toEqual({ kind: 'cluster-status' });
    expect(parse(['cluster']).command).toEqual({ kind: 'cluster-status' });
    expect(parse(['cluster', 'join', 'mq-1.mq:4370', '--wait', '0']).command).toEqual({ kind: 'cluster-join', address: 'mq-1.mq:4370', waitMs: 0 });
    expect(parse(['cluster', 'join', '[fd00::1]:4370']).command).toMatchObject({ address: '[fd00::1]:4370' });
    expect(parse(['cluster', 'forget', 'mq-2']).command).toEqual({ kind: 'cluster-forget', node: 'mq-2' });
    expect(parse(['clients', 'list', '--limit=5']).command).toEqual({ kind: 'clients-list', limit: 5 });
    expect(parse(['clients', 'kick', 'dev/1']).command).toEqual({ kind: 'clients-kick', clientId: 'dev/1' });
    expect(parse(['drain', '--exclude', 'mq-1, mq-2', '--no-wait']).command).toEqual({ kind: 'drain', exclude: ['mq-1', 'mq-2'], wait: false, waitMs: undefined });
    expect(parse(['drain', 'status']).command).toEqual({ kind: 'drain-status' });
    expect(parse([]).command).toEqual({ kind: 'help' });
    expect(parse(['clients', '--help']).command).toEqual({ kind: 'help' });
  });

  it('reaches the broker this host runs by default (MESHMQ_BIND, MESHMQ_HTTP_PORT, MESHMQ_API_TOKEN), else what is given', () => {
    expect(parse(['status'])).toMatchObject({ url: 'http://127.0.0.1:8081', token: undefined, json: false, timeoutMs: 5000 });
    expect(parse(['status'], { MESHMQ_BIND: '0.0.0.0', MESHMQ_HTTP_PORT: '9091', MESHMQ_API_TOKEN: 'secret' })).toMatchObject({ url: 'http://127.0.0.1:9091', token: 'secret' });
    expect(parse(['status'], { MESHMQ_BIND: '10.0.0.7' }).url).toBe('http://10.0.0.7:8081');
    expect(parse(['status', '--url', 'mq-0.mq:8081/', '--token', 't', '--json'])).toMatchObject({ url: 'http://mq-0.mq:8081', token: 't', json: true });
  });

  it('refuses what it cannot read, saying what is wrong', () => {
    const refusal = (argv: string[]): string => {
      try { parse(argv); } catch (err) { if (err instanceof CtlUsageError) return err.message; throw err; }
      return 'accepted';
    };
    expect(refusal(['clients', 'dance'])).toBe('unknown command "clients dance"; clients takes list, show, kick');
    expect(refusal(['restart'])).toBe('unknown command "restart"');
    expect(refusal(['clients', 'show'])).toBe('clients show needs a CLIENT_ID');
    expect(refusal(['clients', 'show', 'a', 'b'])).toBe('unexpected argument "b"');
    expect(refusal(['cluster', 'join', 'mq-1'])).toBe('"mq-1" is not HOST:PORT (a node\'s cluster port, 4370 by default)');
    expect(refusal(['clients', 'list', '--limit', '0'])).toBe('--limit=0: must be an integer >= 1');
    expect(refusal(['status', '--token'])).toBe('--token needs a value');
    expect(refusal(['status', '--verbose'])).toBe('unknown option --verbose');
  });
});

describe('human output', () => {
  it('aligns columns to the widest cell and does not pad the last', () => {
    expect(formatTable(['NODE', 'STATE', 'ADDRESS'], [['mq-0*', 'up', '10.0.0.1:4370'], ['mq-10', 'suspect', '-']])).toBe(
      'NODE   STATE    ADDRESS\nmq-0*  up       10.0.0.1:4370\nmq-10  suspect  -',
    );
  });

  it('says ages as people read them', () => {
    expect([850, 42_000, 303_000, 7_500_000, 273_600_000, -5].map(formatAge)).toEqual(['850ms', '42s', '5m03s', '2h05m', '3d04h', '0s']);
  });
});
