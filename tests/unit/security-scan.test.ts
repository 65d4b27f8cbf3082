// The plain helpers behind the checks: plaintext scanning, exposure URLs, /etc/passwd parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanForPlaintextKeys, scanText } from '../../electron/core/security/plaintext-scan';
import { lanAddresses, probeHost, reachableFromOutside } from '../../electron/core/security/exposure';
import { parseGroup, parsePasswd } from '../../electron/core/security/docker-socket';
import { countSecretLines } from '../../electron/core/security/log-scan';
import { generateMasterKey } from '../../electron/core/secrets/master-key';

test('scanText finds the key and real LITELLM_MASTER_KEY values, not references, blanks or comments', () => {
  const key = generateMasterKey();
  const text = [
    '# LITELLM_MASTER_KEY=sk-commented-out',
    'LITELLM_MASTER_KEY=',
    'LITELLM_MASTER_KEY=${MASTER}',
    'export LITELLM_MASTER_KEY="sk-abc123"',
    `OTHER=${key}`,
    '  "LITELLM_MASTER_KEY": "sk-from-json",',
    'LITELLM_MASTER_KEY=sk-[REDACTED]',
  ].join('\r\n');
  const hits = scanText('/x/.env', text, [key]);
  assert.deepEqual(hits.map((h) => [h.line, h.kind]), [[4, 'env-assignment'], [5, 'master-key'], [6, 'env-assignment']]);
  assert.ok(!JSON.stringify(hits).includes(key));
});

test('the disk scan reads all of Gatehouse\'s folder but only .env files of watched folders', async () => {
  const key = generateMasterKey();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-scan-home-'));
  const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-scan-proj-'));
  fs.mkdirSync(path.join(home, 'logs'));
  fs.writeFileSync(path.join(home, 'logs', 'history.jsonl'), `{"message":"boot with ${key}"}\n`);
  fs.writeFileSync(path.join(proj, 'README.md'), `LITELLM_MASTER_KEY=${key}\n`); // not an env file: ignored
  fs.writeFileSync(path.join(proj, '.env.production'), `PORT=4000\nLITELLM_MASTER_KEY=sk-old\n`);
  fs.mkdirSync(path.join(proj, 'node_modules'));
  fs.writeFileSync(path.join(proj, 'node_modules', '.env'), 'LITELLM_MASTER_KEY=sk-x\n');
  const facts = await scanForPlaintextKeys(
    [
      { dir: home, only: 'all', depth: 4 },
      { dir: proj, only: 'env-files', depth: 2 },
      { dir: path.join(proj, 'missing'), only: 'env-files', depth: 2 },
    ],
    [key],
  );
  assert.deepEqual(
    facts.hits.map((h) => [path.basename(h.file), h.kind]),
    [['history.jsonl', 'master-key'], ['.env.production', 'env-assignment']],
  );
  assert.equal(facts.scannedFiles, 2);
  assert.deepEqual(facts.unreadable, []);
});

test('exposure: URLs from bindings and interface addresses; loopback is never listed', () => {
  const lan = lanAddresses({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
    eth0: [
      { address: '10.1.2.3', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
      { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
      { address: '2001:db8::7', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 0 },
    ],
  });
  assert.deepEqual(lan, ['10.1.2.3', '2001:db8::7']);
  assert.deepEqual(reachableFromOutside([{ hostIp: '127.0.0.1', hostPort: 4000 }], lan), []);
  assert.deepEqual(reachableFromOutside([{ hostIp: '0.0.0.0', hostPort: 4000 }, { hostIp: '::', hostPort: 4000 }], lan), ['http://10.1.2.3:4000', 'http://[2001:db8::7]:4000']);
  assert.deepEqual(probeHost([{ hostIp: '0.0.0.0', hostPort: 4100 }]), { host: '127.0.0.1', port: 4100 });
  assert.deepEqual(probeHost([{ hostIp: '10.1.2.3', hostPort: 4100 }]), { host: '10.1.2.3', port: 4100 });
});

test('passwd and group parsing for the socket report', () => {
  assert.deepEqual(parsePasswd('root:x:0:0:root:/root:/bin/bash\nalice:x:1000:999::/home/alice:/bin/sh\n'), [
    { name: 'root', uid: 0, gid: 0 },
    { name: 'alice', uid: 1000, gid: 999 },
  ]);
  assert.deepEqual(parseGroup('docker:x:999:bob,carol\n'), [{ name: 'docker', gid: 999, members: ['bob', 'carol'] }]);
});

test('countSecretLines counts lines with any secret and ignores too-short ones', () => {
  const key = generateMasterKey();
  assert.equal(countSecretLines(['a', `x ${key} y`, 'sk-1', `${key}${key}`], [key, 'sk-1']), 2);
});
