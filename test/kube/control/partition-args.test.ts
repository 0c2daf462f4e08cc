import { describe, expect, it } from '@jest/globals';
import { parsePartitionArgs, PartitionArgsError } from './partition-args.js';

describe('kube:partition arguments', () => {
  it.each([
    [['-n', 'mq', 'a-0,a-1', '/', 'a-2'], { namespace: 'mq', groups: [['mq/a-0', 'mq/a-1'], ['mq/a-2']] }],
    [['x-0', '/', 'x-1', '/', 'other/x-2'], { namespace: 'default', groups: [['default/x-0'], ['default/x-1'], ['other/x-2']] }],
    [['--namespace=prod', 'p-0', 'p-1', '/', 'p-2'], { namespace: 'prod', groups: [['prod/p-0', 'prod/p-1'], ['prod/p-2']] }],
  ])('%j', (argv, expected) => expect(parsePartitionArgs(argv)).toEqual(expected));

  it.each([[['a-0']], [['a-0', '/']], [['-n']], [['a-0', '/', 'a-0']], [['a-0,a-1/a-2']]])('refuses %j with a reason', (argv) => {
    expect(() => parsePartitionArgs(argv)).toThrow(PartitionArgsError);
  });
});
