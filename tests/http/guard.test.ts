import { describe, expect, it } from 'vitest';
import {
  allowedHostnames,
  hasBearerToken,
  hostForHeader,
  isAllowedHost,
  isAllowedOrigin,
  isLoopbackAddress,
  isWildcardAddress,
  localHostFor,
  networkHostsFor,
  mcpTokenToEnforce,
} from '../../electron/http/guard.js';

describe('mcpTokenToEnforce', () => {
  const settings = { host: '127.0.0.1', mcpToken: 'tok', requireTokenOnLoopback: true };

  it('requires the token on loopback by default, and always off loopback', () => {
    expect(mcpTokenToEnforce(settings)).toBe('tok');
    expect(mcpTokenToEnforce({ ...settings, host: 'localhost' })).toBe('tok');
    expect(mcpTokenToEnforce({ ...settings, host: '0.0.0.0', requireTokenOnLoopback: false })).toBe('tok');
    expect(mcpTokenToEnforce({ ...settings, host: '192.168.1.5', requireTokenOnLoopback: false })).toBe(
      'tok',
    );
  });

  it('lets the opt-out open loopback only; no token means none to enforce', () => {
    expect(mcpTokenToEnforce({ ...settings, requireTokenOnLoopback: false })).toBeUndefined();
    expect(mcpTokenToEnforce({ ...settings, host: '[::1]', requireTokenOnLoopback: false })).toBeUndefined();
    expect(mcpTokenToEnforce({ ...settings, mcpToken: '' })).toBeUndefined();
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LocalHost', '::1', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackAddress(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.com', '128.0.0.1', '127.example.com'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackAddress(host)).toBe(false);
    },
  );
});

describe('the addresses we advertise', () => {
  const interfaces = [
    { address: '127.0.0.1', family: 'IPv4', internal: true },
    { address: '::1', family: 'IPv6', internal: true },
    { address: '192.168.1.5', family: 'IPv4', internal: false },
    { address: 'fd00::2', family: 'IPv6', internal: false },
    { address: 'fe80::fc:ff:fe00:1', family: 'IPv6', internal: false },
  ] as const;

  it('on this machine: loopback for a wildcard bind, else the bound address', () => {
    expect(localHostFor('0.0.0.0')).toBe('127.0.0.1');
    expect(localHostFor('::')).toBe('127.0.0.1');
    expect(localHostFor('[::]')).toBe('127.0.0.1');
    expect(localHostFor('127.0.0.1')).toBe('127.0.0.1');
    expect(localHostFor('::1')).toBe('[::1]');
    expect(localHostFor('192.168.1.5')).toBe('192.168.1.5');
  });

  it('for other machines: the external addresses a wildcard bind reaches, none on loopback', () => {
    expect(networkHostsFor('0.0.0.0', interfaces)).toEqual(['192.168.1.5']);
    expect(networkHostsFor('::', interfaces)).toEqual(['192.168.1.5', '[fd00::2]']);
    expect(networkHostsFor('192.168.1.5', interfaces)).toEqual(['192.168.1.5']);
    expect(networkHostsFor('127.0.0.1', interfaces)).toEqual([]);
    expect(networkHostsFor('localhost', interfaces)).toEqual([]);
  });

  it('are all accepted by the Host check', () => {
    for (const bound of ['0.0.0.0', '::', '192.168.1.5', '127.0.0.1']) {
      const advertised = [localHostFor(bound), ...networkHostsFor(bound, interfaces)];
      const hostnames = allowedHostnames(bound, {
        interfaceAddresses: interfaces.map((entry) => entry.address),
      });
      for (const host of advertised)
        expect(isAllowedHost(`${host}:8190`, { hostnames, port: 8190 }), `${bound}: ${host}`).toBe(true);
    }
  });
});

describe('allowedHostnames', () => {
  it('is just the loopback names when bound to loopback', () => {
    expect(allowedHostnames('127.0.0.1').sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
  });

  it('adds the exact bound address when bound elsewhere', () => {
    expect(allowedHostnames('192.168.1.5')).toContain('192.168.1.5');
    expect(allowedHostnames('fe80::1')).toContain('[fe80::1]');
    expect(allowedHostnames('192.168.1.5')).not.toContain('10.0.0.2');
  });

  it('adds every interface address when bound to a wildcard, and configured extra names', () => {
    const names = allowedHostnames('0.0.0.0', {
      interfaceAddresses: ['10.0.0.2', '::1'],
      extra: ['GPU-Box.lan'],
    });
    expect(names).toEqual(expect.arrayContaining(['10.0.0.2', '[::1]', 'gpu-box.lan', 'localhost']));
    expect(names).not.toContain('0.0.0.0');
    expect(isWildcardAddress('::')).toBe(true);
  });
});

describe('isAllowedHost', () => {
  const policy = { hostnames: ['localhost', '127.0.0.1', '[::1]'], port: 8190 };
  it.each(['localhost:8190', '127.0.0.1:8190', '[::1]:8190', 'LOCALHOST:8190'])('accepts %s', (host) => {
    expect(isAllowedHost(host, policy)).toBe(true);
  });
  it.each([
    undefined,
    '',
    'localhost',
    'localhost:80',
    'localhost:8191',
    'evil.com:8190',
    '[::2]:8190',
    'a:b:8190',
  ])('refuses %s', (host) => {
    expect(isAllowedHost(host, policy)).toBe(false);
  });
  it('treats a Host without port as port 80', () => {
    expect(isAllowedHost('localhost', { ...policy, port: 80 })).toBe(true);
  });
});

describe('isAllowedOrigin', () => {
  const policy = { hostnames: ['localhost', '127.0.0.1', '[::1]'], port: 8190 };
  it('lets requests without Origin through', () => {
    expect(isAllowedOrigin(undefined, policy)).toBe(true);
  });
  it.each(['http://localhost:8190', 'http://127.0.0.1:8190', 'http://[::1]:8190'])('accepts %s', (origin) => {
    expect(isAllowedOrigin(origin, policy)).toBe(true);
  });
  it.each([
    'null',
    'http://localhost',
    'http://localhost:3000',
    'https://evil.com',
    'file://',
    'chrome-extension://x',
  ])('refuses %s', (origin) => {
    expect(isAllowedOrigin(origin, policy)).toBe(false);
  });
});

describe('hasBearerToken', () => {
  it('accepts exactly the token', () => {
    expect(hasBearerToken('Bearer abc', 'abc')).toBe(true);
    expect(hasBearerToken('bearer abc', 'abc')).toBe(true);
  });
  it.each([undefined, '', 'Bearer', 'Bearer ab', 'Bearer abcd', 'Basic abc', 'abc', 'Bearer abc extra'])(
    'refuses %s',
    (header) => {
      expect(hasBearerToken(header, 'abc')).toBe(false);
    },
  );
});

describe('hostForHeader', () => {
  it('brackets IPv6 literals only', () => {
    expect([
      hostForHeader('::1'),
      hostForHeader('[::1]'),
      hostForHeader('127.0.0.1'),
      hostForHeader('box'),
    ]).toEqual(['[::1]', '[::1]', '127.0.0.1', 'box']);
  });
});
