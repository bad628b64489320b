// isLoopback: this machine's names and addresses only (plain HTTP to an authorization server, a client's http redirect
// URI and a loopback bind depend on it), never a DNS name that merely starts like one.
import { expect, it } from 'vitest';
import { isLoopback } from '../../src/core/index.js';

it('takes localhost and the loopback addresses, and no name that only looks like one', () => {
  for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]']) expect(isLoopback(host), host).toBe(true);
  for (const host of ['127.example.com', '127.0.0.1.nip.io', '127.0.0', '127.0.0.256', '10.0.0.1', '0.0.0.0', 'localhost.example.com', 'example.com', '::', '']) expect(isLoopback(host), host).toBe(false);
});
