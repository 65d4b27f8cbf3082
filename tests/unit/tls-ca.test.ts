// The local CA and the gateway certificate: what is issued (names, lifetime, usages, chain), the
// renewal decision, checks of a certificate the user brings, and the in-memory tar for Docker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCa, issueGatewayCertificate, recertifyCa, GATEWAY_CERT_DAYS } from '../../electron/core/tls/local-ca';
import { certificateInfo, keyMatchesCertificate, signedBy } from '../../electron/core/tls/certificate-info';
import { gatewayNames, hostIdentity, missingNames } from '../../electron/core/tls/names';
import { renewalReason } from '../../electron/core/tls/renewal';
import { checkCustomPair, customTrust } from '../../electron/core/tls/custom-pair';
import { tarArchive } from '../../electron/core/tls/container-files';
import { isGatehouseError } from '../../electron/core/errors';

const HOST = { hostname: 'desk.example.lan', addresses: ['127.0.0.1', '192.168.1.20', '10.8.0.3', '::1', 'fd00::5'] };
const NOW = new Date('2026-12-01T12:00:00Z');

test('names: a wildcard binding covers every address and the host name, plus localhost and 127.0.0.1', () => {
  assert.deepEqual(gatewayNames('0.0.0.0', HOST), { dns: ['desk', 'desk.example.lan', 'localhost'], ips: ['10.8.0.3', '127.0.0.1', '192.168.1.20'] });
  assert.deepEqual(gatewayNames('192.168.1.20', HOST), { dns: ['localhost'], ips: ['127.0.0.1', '192.168.1.20'] });
  assert.deepEqual(gatewayNames('127.0.0.1', HOST), { dns: ['localhost'], ips: ['127.0.0.1'] });
  assert.deepEqual(gatewayNames('::', HOST).ips, ['10.8.0.3', '127.0.0.1', '192.168.1.20', '::1', 'fd00::5']);
  // Addresses of the container engine's own bridges are no names clients use (and change with every network).
  const lo = { address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' } as const;
  const at = (address: string) => ({ ...lo, address, internal: false, cidr: `${address}/24` });
  assert.deepEqual(hostIdentity({ lo: [lo], eth0: [at('192.168.1.20')], docker0: [at('172.17.0.1')], docker_gwbridge: [at('172.19.0.1')], 'br-0a1b2c3d4e5f': [at('172.18.0.1')], veth12ab: [at('169.254.1.1')] }).addresses, ['127.0.0.1', '192.168.1.20']);
  assert.deepEqual(missingNames({ dns: ['*.example.lan'], ips: [] }, { dns: ['desk.example.lan', 'example.lan'], ips: ['127.0.0.1'] }), ['example.lan', '127.0.0.1']);
});

test('issued: signed by the CA, every name as SubjectAltName, 30 days, serverAuth, a key of its own', async () => {
  const ca = await createCa(HOST.hostname, NOW);
  const caInfo = certificateInfo(ca.certPem);
  assert.equal(caInfo.isCa, true);
  assert.ok(keyMatchesCertificate(ca.certPem, ca.keyPem));
  const names = gatewayNames('0.0.0.0', HOST);
  const gw = await issueGatewayCertificate(ca, names, NOW);
  const info = certificateInfo(gw.certPem);
  assert.deepEqual(info.names, names);
  assert.equal(info.isCa, false);
  assert.ok(signedBy(gw.certPem, ca.certPem));
  assert.ok(keyMatchesCertificate(gw.certPem, gw.keyPem));
  assert.ok(!keyMatchesCertificate(gw.certPem, ca.keyPem), 'the gateway has its own key, not the CA\'s');
  assert.equal(Math.round((info.notAfter.getTime() - NOW.getTime()) / 86_400_000), GATEWAY_CERT_DAYS);
  const x = new crypto.X509Certificate(gw.certPem);
  assert.equal(x.checkHost('desk.example.lan'), 'desk.example.lan');
  assert.equal(x.checkIP('192.168.1.20'), '192.168.1.20');
  assert.equal(x.checkIP('8.8.8.8'), undefined);
  // OpenSSL, as curl and Python's ssl use it, accepts the chain for TLS servers.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tls-'));
  try {
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'gw.pem'), gw.certPem);
    const out = execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-attime', String(NOW.getTime() / 1000 + 3600), '-CAfile', path.join(dir, 'ca.pem'), path.join(dir, 'gw.pem')], { encoding: 'utf8' });
    assert.match(out, /OK/);
    const text = execFileSync('openssl', ['x509', '-in', path.join(dir, 'gw.pem'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(text, /CA:FALSE/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a CA certificate made again from the same key still verifies what the old one signed', async () => {
  const ca = await createCa(HOST.hostname, NOW);
  const gw = await issueGatewayCertificate(ca, gatewayNames('127.0.0.1', HOST), NOW);
  const again = await recertifyCa(ca.keyPem, HOST.hostname, NOW);
  assert.notEqual(again, ca.certPem);
  assert.ok(keyMatchesCertificate(again, ca.keyPem));
  assert.ok(signedBy(gw.certPem, again));
});

test('renewal: none while valid for 7+ days with the same names; renewed when close to expiry, names changed, key or CA lost', async () => {
  const ca = await createCa(HOST.hostname, NOW);
  const names = gatewayNames('0.0.0.0', HOST);
  const gw = await issueGatewayCertificate(ca, names, NOW);
  const current = { info: certificateInfo(gw.certPem), keyMatches: true, signedByCa: true };
  const day = (n: number) => new Date(NOW.getTime() + n * 86_400_000);
  assert.equal(renewalReason(current, names, NOW), null);
  assert.equal(renewalReason(current, names, day(22)), null);
  assert.match(renewalReason(current, names, day(24)) ?? '', /expires in 6 days/);
  assert.match(renewalReason(current, names, day(31)) ?? '', /expired/);
  assert.match(renewalReason(current, gatewayNames('0.0.0.0', { ...HOST, addresses: ['192.168.1.77'] }), NOW) ?? '', /names changed.*192\.168\.1\.77/);
  assert.match(renewalReason({ ...current, keyMatches: false }, names, NOW) ?? '', /no key/);
  assert.match(renewalReason({ ...current, signedByCa: false }, names, NOW) ?? '', /not signed by the current local CA/);
  assert.match(renewalReason(null, names, NOW) ?? '', /no gateway certificate/);
});

test('custom pair: matching, valid now, holding the probe address; refusals name the file and never the key', async () => {
  const ca = await createCa(HOST.hostname, NOW);
  const other = await createCa(HOST.hostname, NOW);
  const gw = await issueGatewayCertificate(ca, { dns: ['gw.example.org'], ips: ['127.0.0.1'] }, NOW);
  const where = { certFile: '/etc/ssl/gw.pem', keyFile: '/etc/ssl/gw.key' };
  const wanted = gatewayNames('0.0.0.0', HOST);
  const ok = checkCustomPair(gw.certPem, gw.keyPem, where, '127.0.0.1', wanted, NOW);
  assert.deepEqual(ok.uncovered, ['desk', 'desk.example.lan', 'localhost', '10.8.0.3', '192.168.1.20']);
  const refuse = (fn: () => unknown, re: RegExp) => {
    assert.throws(fn, (err) => {
      assert.ok(isGatehouseError(err, 'TLS_INVALID'));
      assert.match(err.message, re);
      assert.ok(!err.message.includes('PRIVATE KEY') && !err.message.includes(gw.keyPem.slice(40, 80)));
      assert.ok(err.fix);
      return true;
    });
  };
  refuse(() => checkCustomPair(gw.certPem, other.keyPem, where, '127.0.0.1', wanted, NOW), /does not belong to the certificate in \/etc\/ssl\/gw\.pem/);
  refuse(() => checkCustomPair(gw.certPem, gw.keyPem, where, '127.0.0.1', wanted, new Date(NOW.getTime() + 40 * 86_400_000)), /expired/);
  refuse(() => checkCustomPair(gw.certPem, gw.keyPem, where, '192.168.1.20', wanted, NOW), /does not hold 192\.168\.1\.20/);
  refuse(() => checkCustomPair('not a cert', gw.keyPem, where, '127.0.0.1', wanted, NOW), /no readable PEM certificate/);
  refuse(() => checkCustomPair(gw.certPem, 'garbage', where, '127.0.0.1', wanted, NOW), /no readable, unencrypted PEM private key/);
  // A self-signed certificate (or a chain ending in one) is trusted by itself, nothing more.
  assert.deepEqual(customTrust(ca.certPem), [ca.certPem]);
  assert.ok(customTrust(gw.certPem).length > 10, 'a leaf of another CA: its chain plus the public roots');
});

test('tar: a ustar archive that tar reads back with owner 1000 and mode 0400', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tar-'));
  try {
    const file = path.join(dir, 'a.tar');
    fs.writeFileSync(file, tarArchive([
      { name: 'gateway.crt', content: 'x'.repeat(700), mode: 0o400, uid: 1000, gid: 1000 },
      { name: 'gateway.key', content: 'key\n', mode: 0o400, uid: 1000, gid: 1000 },
    ]));
    const listing = execFileSync('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(listing.length, 2);
    assert.match(listing[0] as string, /^-r-------- 1000\/1000\s+700 .* gateway\.crt$/);
    assert.match(listing[1] as string, /^-r-------- 1000\/1000\s+4 .* gateway\.key$/);
    execFileSync('tar', ['-xf', file, '-C', dir]);
    assert.equal(fs.readFileSync(path.join(dir, 'gateway.key'), 'utf8'), 'key\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
