// Table tests of topic name / filter validation, shared-filter parsing and the reference matcher.
import { describe, expect, it } from '@jest/globals';
import { hasWildcard, matchesFilter, parseSharedFilter, validateTopicFilter, validateTopicName } from './topic.js';

const long = 'a'.repeat(65536);

describe('validateTopicName', () => {
  it.each([
    ['a/b'], ['/'], ['a//b'], ['/leading'], ['trailing/'], ['$SYS/broker'], ['ünïcödé/✓'], ['a'.repeat(65535)], [' '],
  ])('accepts %j', (topic) => expect(validateTopicName(topic, 128)).toBeUndefined());

  it.each([
    ['', /empty/, '[MQTT-4.7.3-1]'],
    ['a/+', /wildcard/, '[MQTT-3.3.2-2]'],
    ['a/#', /wildcard/, '[MQTT-3.3.2-2]'],
    ['a+b', /wildcard/, '[MQTT-4.7.1-1]'],
    ['a\u0000b', /U\+0000/, '[MQTT-4.7.3-2]'],
    [long, /65535 bytes/, '[MQTT-4.7.3-3]'],
    ['é'.repeat(32768), /65535 bytes/, '[MQTT-4.7.3-3] counts UTF-8 bytes'],
    ['a/\ud800', /well-formed/, '[MQTT-1.5.4-1]'],
    ['a/b/c/d', /4 levels, more than the maximum of 3/, 'maxLevels'],
  ])('rejects %#: %s', (topic, message) => expect(validateTopicName(topic, 3)).toMatch(message));
});

describe('validateTopicFilter', () => {
  it.each([
    ['#'], ['+'], ['+/+'], ['+/#'], ['a/+/b'], ['/+'], ['+/'], ['a//#'], ['$SYS/#'], ['$share/g/a/+'], ['$share/g/#'], ['$share'], ['$shared/x'],
  ])('accepts %j', (filter) => expect(validateTopicFilter(filter, 128)).toBeUndefined());

  it.each([
    ['', /empty/, '[MQTT-4.7.3-1]'],
    ['a#', /'#'/, '[MQTT-4.7.1-1]'],
    ['#/a', /'#'/, '[MQTT-4.7.1-2]'],
    ['a/#/b', /'#'/, '[MQTT-4.7.1-2]'],
    ['##', /'#'/, '[MQTT-4.7.1-2]'],
    ['a+', /'\+'/, '[MQTT-4.7.1-3]'],
    ['+a/b', /'\+'/, '[MQTT-4.7.1-3]'],
    ['a/++', /'\+'/, '[MQTT-4.7.1-3]'],
    ['a\u0000', /U\+0000/, '[MQTT-4.7.3-2]'],
    [long, /65535 bytes/, '[MQTT-4.7.3-3]'],
    ['$share/g', /\$share\/\{ShareName\}\/\{filter\}/, '[MQTT-4.8.2-2]'],
    ['$share//a', /share name .* empty/, '[MQTT-4.8.2-1]'],
    ['$share/g+/a', /share name/, '[MQTT-4.8.2-2]'],
    ['$share/g#/a', /share name/, '[MQTT-4.8.2-2]'],
    ['$share/g/', /topic filter of a shared subscription is empty/, '[MQTT-4.8.2-2]'],
    ['$share/g/a#', /'#'/, 'inner filter is validated'],
    ['$share/g/' + 'a/'.repeat(3) + 'b', /levels/, 'maxLevels counts the inner filter'],
  ])('rejects %#: %s', (filter, message) => expect(validateTopicFilter(filter, 3)).toMatch(message));

  it('counts levels of a shared filter without its prefix', () => {
    expect(validateTopicFilter('$share/g/a/b/c', 3)).toBeUndefined();
  });
});

describe('parseSharedFilter', () => {
  it.each([
    ['a/b', undefined],
    ['$share', undefined],
    ['$sharex/g/a', undefined],
    ['$share/g/a/+', { group: 'g', topicFilter: 'a/+' }],
    ['$share/group-1/#', { group: 'group-1', topicFilter: '#' }],
    ['$share/g//a', { group: 'g', topicFilter: '/a' }],
  ])('%j -> %j', (filter, parsed) => expect(parseSharedFilter(filter)).toEqual(parsed));

  it.each([['$share/'], ['$share/g'], ['$share//a'], ['$share/a+/b'], ['$share/g/']])('%j is an error', (filter) => {
    expect(parseSharedFilter(filter)).toHaveProperty('error');
  });
});

describe('hasWildcard', () => {
  it.each([['a/b', false], ['a/+', true], ['#', true], ['$share/g/a', false], ['$share/g/+', true]])('%j: %s', (f, w) => {
    expect(hasWildcard(f)).toBe(w);
  });
});

describe('matchesFilter (the reference)', () => {
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/#', 'sport', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/x', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['ACCOUNTS', 'Accounts', false],
    ['$share/g/a/+', 'a/b', true],
    ['$share/g', '$share/g', false],
  ])('%j vs %j: %s', (filter, topic, match) => expect(matchesFilter(filter, topic)).toBe(match));
});
