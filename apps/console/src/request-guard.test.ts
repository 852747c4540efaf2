import { describe, expect, it } from 'vitest';
import { bearerMatches, hostName, refusalOf } from './request-guard.js';

const loopback = { bindHost: '127.0.0.1' };

describe('which console requests are refused', () => {
  it('bound to loopback, a Host header naming anything but loopback is refused (DNS rebinding)', () => {
    expect(refusalOf('GET', { host: '127.0.0.1:8080' }, loopback)).toBeUndefined();
    expect(refusalOf('GET', { host: 'localhost:8080' }, loopback)).toBeUndefined();
    expect(refusalOf('GET', { host: '[::1]:8080' }, loopback)).toBeUndefined();
    expect(refusalOf('GET', { host: 'attacker.example:8080' }, loopback)?.status).toBe(421);
    expect(refusalOf('GET', {}, loopback)?.status).toBe(421);
    // Bound elsewhere (behind a proxy, with a token) any Host name is served.
    expect(refusalOf('GET', { host: 'console.example', authorization: 'Bearer s3cret' }, { bindHost: '0.0.0.0', apiToken: 's3cret' })).toBeUndefined();
  });

  it('with a token, only the right bearer token passes', () => {
    const settings = { ...loopback, apiToken: 's3cret' };
    const host = '127.0.0.1:8080';
    expect(refusalOf('GET', { host }, settings)?.status).toBe(401);
    expect(refusalOf('GET', { host, authorization: 'Bearer wrong' }, settings)?.status).toBe(401);
    expect(refusalOf('GET', { host, authorization: 's3cret' }, settings)?.status).toBe(401);
    expect(refusalOf('GET', { host, authorization: 'Bearer s3cret' }, settings)).toBeUndefined();
    expect(refusalOf('GET', { host, authorization: 'bearer   s3cret ' }, settings)).toBeUndefined();
  });

  it('an action (POST) needs the console header, token or not: a cross-site form cannot send it', () => {
    const host = '127.0.0.1:8080';
    expect(refusalOf('POST', { host }, loopback)?.status).toBe(403);
    expect(refusalOf('POST', { host, 'x-fleetshift-console': '0' }, loopback)?.status).toBe(403);
    expect(refusalOf('POST', { host, 'x-fleetshift-console': '1' }, loopback)).toBeUndefined();
    expect(refusalOf('POST', { host, 'x-fleetshift-console': '1' }, { ...loopback, apiToken: 't' })?.status).toBe(401);
  });

  it('reads host names out of Host headers', () => {
    expect(hostName('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostName('[::1]:8080')).toBe('::1');
    expect(hostName('[::1]')).toBe('::1');
    expect(hostName('localhost')).toBe('localhost');
    expect(bearerMatches(undefined, 't')).toBe(false);
  });
});
