/**
 * `gatehouse export kubernetes`: the manifests (a pure function of the settings) parse as YAML
 * with a YAML reader (js-yaml, already in node_modules through the packaging tools; tests only),
 * name every object after the stack, carry the secrets only as references to `<stack>-secrets`,
 * and the CLI (from the sources as `runCli` runs it, and the shipped bin/gatehouse.js over the
 * bundle) prints them with no secret in its output or file even when the keychain holds every
 * secret Gatehouse keeps.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../../shared/api';
import { DEFAULT_SETTINGS } from '../../shared/settings-schema';
import { kubernetesManifests, kubernetesName } from '../../electron/core/export/kubernetes';
import { quoteString } from '../../electron/core/export/yaml';
import { generateMasterKey } from '../../electron/core/secrets/master-key';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { ROOT, runCli, runCommand } from '../integration/stack-helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { loadAll(text: string): unknown[]; load(text: string): unknown };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const settingsWith = (patch: Partial<Settings>): Settings => ({ ...structuredClone(DEFAULT_SETTINGS), ...patch });

function parse(settings: Settings): { text: string; deployment: Obj; service: Obj; container: Obj } {
  const text = kubernetesManifests(settings);
  const docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined) as Obj[];
  assert.equal(docs.length, 2, 'a Deployment and a Service');
  const [deployment, service] = docs as [Obj, Obj];
  assert.equal(deployment.kind, 'Deployment');
  assert.equal(service.kind, 'Service');
  return { text, deployment, service, container: deployment.spec.template.spec.containers[0] };
}

/** DNS-1123 label: what Kubernetes accepts as most objects' names. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('kubernetesManifests (pure, from the settings)', () => {
  test('the default stack: Deployment and ClusterIP Service, port → 4000, probes on the public liveliness route, the secrets as references', () => {
    const { text, deployment, service, container } = parse(settingsWith({}));
    assert.equal(deployment.apiVersion, 'apps/v1');
    assert.equal(deployment.metadata.name, 'gatehouse-litellm');
    assert.equal(deployment.metadata.namespace, undefined, 'no namespace: kubectl -n decides');
    assert.ok(!text.includes('kind: Namespace') && !text.includes('kind: Secret'), 'neither a Namespace nor a Secret object');
    assert.deepEqual(deployment.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'litellm', 'app.kubernetes.io/instance': 'gatehouse' });
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(deployment.spec.template.metadata.labels[k], v, 'the selector matches the pods');
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(container.image, DEFAULT_SETTINGS.image);
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 4000 }]);
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) assert.deepEqual(container[p].httpGet, { path: '/health/liveliness', port: 'http' }, p);
    assert.deepEqual(container.volumeMounts, [{ name: 'claude', mountPath: '/home/claude/.claude' }]);
    assert.deepEqual(deployment.spec.template.spec.volumes, [{ name: 'claude', persistentVolumeClaim: { claimName: 'gatehouse-claude' } }]);
    assert.equal(container.resources, undefined, 'resources are left to the user');
    assert.match(text, /^ {8}# resources: left to you/m);
    assert.deepEqual(container.env, [
      { name: 'LITELLM_MASTER_KEY', valueFrom: { secretKeyRef: { name: 'gatehouse-secrets', key: 'LITELLM_MASTER_KEY' } } },
      { name: 'LITELLM_SALT_KEY', valueFrom: { secretKeyRef: { name: 'gatehouse-secrets', key: 'LITELLM_SALT_KEY', optional: true } } },
      { name: 'CLAUDE_CODE_OAUTH_TOKEN', valueFrom: { secretKeyRef: { name: 'gatehouse-secrets', key: 'CLAUDE_CODE_OAUTH_TOKEN', optional: true } } },
    ]);
    assert.equal(service.apiVersion, 'v1');
    assert.equal(service.metadata.name, 'gatehouse-litellm');
    assert.equal(service.spec.type, 'ClusterIP');
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    assert.deepEqual(service.spec.ports, [{ name: 'http', port: 4000, targetPort: 'http', protocol: 'TCP' }]);
    // The header: the exact line that creates the Secret from `gatehouse key print` through stdin.
    const header = text.slice(0, text.indexOf('\n---\n'));
    assert.ok(header.split('\n').every((l) => l.startsWith('#')), 'everything before the first document is comment');
    assert.ok(
      header.includes("#   gatehouse key print | tr -d '\\n' | kubectl create secret generic gatehouse-secrets --from-file=LITELLM_MASTER_KEY=/dev/stdin\n"),
      header,
    );
    assert.match(header, /--from-file=LITELLM_SALT_KEY=<\(/);
    assert.match(header, /--from-file=CLAUDE_CODE_OAUTH_TOKEN=<\(read -rs/);
    assert.doesNotMatch(text, /database is not exported/, 'no database note without a database');
  });

  test('names follow the stack (Kubernetes spelling), the port and replicas follow the settings', () => {
    const { text, deployment, service, container } = parse(settingsWith({ stackName: 'team_a', port: 4100, replicas: 3, credentialsVolume: 'Old_Claude.vol', image: 'ghcr.io/berriai/litellm:main-stable' }));
    assert.equal(deployment.metadata.name, 'team-a-litellm');
    assert.equal(service.metadata.name, 'team-a-litellm');
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(container.image, 'ghcr.io/berriai/litellm:main-stable');
    assert.deepEqual(service.spec.ports[0], { name: 'http', port: 4100, targetPort: 'http', protocol: 'TCP' });
    assert.equal(deployment.spec.template.spec.volumes[0].persistentVolumeClaim.claimName, 'old-claude-vol');
    for (const e of container.env as Obj[]) if (e.valueFrom) assert.equal(e.valueFrom.secretKeyRef.name, 'team-a-secrets');
    assert.match(text, /kubectl create secret generic team-a-secrets --from-file=LITELLM_MASTER_KEY=\/dev\/stdin/);
    assert.match(text, /the stack "team_a" is named "team-a" here/);
    for (const name of [deployment.metadata.name, service.metadata.name, 'team-a-secrets', 'old-claude-vol']) assert.match(name, DNS_LABEL);

    const digit = parse(settingsWith({ stackName: '1st' }));
    assert.equal(digit.deployment.metadata.name, '1st-litellm');
    assert.match(digit.service.metadata.name, /^[a-z]/, 'a Service name starts with a letter');
    assert.equal(digit.service.metadata.name, 'gatehouse-1st-litellm');
    assert.equal(kubernetesName('a-'), 'a');
    assert.equal(kubernetesName('__'), 'gatehouse');
  });

  test('extraEnv values come back exactly through a YAML reader, whatever they look like; secret-shaped ones stay out', () => {
    const extraEnv: Record<string, string> = {
      LITELLM_LOG: 'DEBUG',
      NUM_WORKERS: '4',
      FLAG_YES: 'yes',
      FLAG_OFF: 'Off',
      NOTHING: '',
      TILDE: '~',
      NULLISH: 'null',
      OCTAL: '0o17',
      SEXAGESIMAL: '12:30',
      FLOATY: '1e3',
      COLON: 'a: b',
      HASH: 'x #not a comment',
      TRAILING_COLON: 'key:',
      QUOTES: `he said "hi" and 'bye'`,
      BACKSLASH: 'C:\\path\\to',
      NEWLINE: 'one\ntwo',
      CONTROL: 'bell\u0007nel\u0085ls\u2028end',
      UNICODE: 'café ☕',
      LEADING_SPACE: '  padded  ',
      DASH: '- item',
      STAR: '*alias',
      URL: 'http://proxy.local:3128',
    };
    const { container } = parse(settingsWith({ extraEnv: { ...extraEnv, OPENAI_API_KEY: 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789', HTTP_PROXY_AUTH: 'http://u:p4ssw0rd@proxy:3128' } }));
    const got = Object.fromEntries((container.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
    assert.deepEqual(got, extraEnv);
    const text = kubernetesManifests(settingsWith({ extraEnv: { OPENAI_API_KEY: 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789' } }));
    assert.ok(!text.includes('sk-proj-abcdefghij'), 'a secret-shaped value never appears');
    assert.match(text, /^# Left out of the environment, shaped like secrets: OPENAI_API_KEY\.$/m);
    for (const e of container.env as Obj[]) if (['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'].includes(e.name)) assert.ok(!('value' in e), `${e.name} only as a reference`);
  });

  test('database, HTTPS and host mounts are said to be left out, in comments that a line break in a path cannot end', () => {
    const { text, deployment } = parse(
      settingsWith({
        stackName: 'db1',
        database: { enabled: true, image: 'postgres:16', volume: null },
        tls: { mode: 'local', certFile: null, keyFile: null },
        mounts: [{ source: '/srv/conf\nkind: Secret', target: '/app/config', readOnly: true }],
      }),
    );
    assert.match(text, /# The database is not exported: .*postgres:16, data in the volume\n# db1-db-data/);
    assert.match(text, /# HTTPS \(tls\.mode "local"\) is not exported/);
    assert.match(text, /# {3}"\/app\/config" \(read-only\), from "\/srv\/conf\\nkind: Secret" on this machine/);
    assert.equal(deployment.spec.template.spec.containers[0].env.some((e: Obj) => e.name === 'DATABASE_URL'), false);
  });

  test('quoteString: plain only where no YAML reader sees anything else', () => {
    for (const s of ['Deployment', 'apps/v1', 'ghcr.io/x/y:latest', '/health/liveliness', 'app.kubernetes.io/name']) assert.equal(quoteString(s), s);
    for (const s of ['true', 'No', 'ON', 'y', 'null', '~', '4000', '0x1f', '.inf', 'a b', 'x:', '', '-', 'é']) {
      assert.notEqual(quoteString(s), s, s);
      assert.equal((yaml.load(`v: ${quoteString(s)}`) as Obj).v, s, `${s} reads back as itself`);
    }
  });
});

describe('gatehouse export kubernetes (the CLI, with every secret in the keychain)', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let store: KeytarSecretStore;
  const secrets: string[] = [];

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-export-k8s-'));
    const service = `gatehouse-test-export-k8s-${process.pid}`;
    env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: service, GATEHOUSE_STACK: 't-export_k8s', GATEHOUSE_PORT: '4123', DOCKER_HOST: 'unix:///nonexistent.sock' };
    for (const name of ['GATEHOUSE_IMAGE', 'GATEHOUSE_BIND']) delete env[name];
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ database: { enabled: true, image: 'postgres:16', volume: null }, extraEnv: { LITELLM_LOG: 'INFO' } }));
    store = new KeytarSecretStore(service);
    const values: [string, string][] = [
      [ACCOUNTS.masterKey, generateMasterKey()],
      [ACCOUNTS.saltKey, generateMasterKey()],
      [ACCOUNTS.claudeToken, `sk-ant-oat01-${generateMasterKey().slice(3)}`],
      [ACCOUNTS.databasePassword, generateMasterKey().slice(3)],
    ];
    for (const [account, value] of values) {
      await store.set(account, value);
      secrets.push(value);
    }
  });
  after(async () => {
    for (const account of Object.values(ACCOUNTS)) await store.delete(account).catch(() => false);
    fs.rmSync(home, { recursive: true, force: true });
  });

  const noSecretIn = (what: string, text: string) => {
    for (const s of secrets) {
      assert.ok(!text.includes(s), `no secret in ${what}`);
      assert.ok(!text.includes(s.slice(-16)), `no part of a secret in ${what}`);
    }
  };

  test('prints the manifests of the stack; --output writes the same; no secret anywhere', async () => {
    const r = await runCli(['export', 'kubernetes'], env);
    assert.equal(r.code, 0, r.stderr);
    noSecretIn('stdout', r.stdout);
    noSecretIn('stderr', r.stderr);
    const docs = yaml.loadAll(r.stdout).filter(Boolean) as Obj[];
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['Deployment/t-export-k8s-litellm', 'Service/t-export-k8s-litellm']);
    assert.equal(docs[1]!.spec.ports[0].port, 4123, 'GATEHOUSE_PORT applies');
    assert.match(r.stdout, /kubectl create secret generic t-export-k8s-secrets --from-file=LITELLM_MASTER_KEY=\/dev\/stdin/);
    assert.match(r.stdout, /# The database is not exported/);

    const file = path.join(home, 'out', 'gatehouse.yaml');
    const w = await runCli(['export', 'kubernetes', '--output', file], env);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.stdout, '', 'with --output nothing on stdout');
    assert.match(w.stderr, /Wrote the Kubernetes manifests of the stack "t-export_k8s" to .*gatehouse\.yaml/);
    assert.equal(fs.readFileSync(file, 'utf8'), r.stdout);
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    // Nothing Gatehouse wrote in its home holds a secret either.
    for (const f of fs.readdirSync(home, { recursive: true }) as string[]) {
      const p = path.join(home, f);
      if (fs.statSync(p).isFile()) noSecretIn(f, fs.readFileSync(p, 'utf8'));
    }
  });

  test('the shipped entry (npm run build: node bin/gatehouse.js → dist/cli.cjs) prints the same manifests', async () => {
    const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(built.status, 0, built.stderr);
    const fromSources = await runCli(['export', 'kubernetes'], env);
    const shipped = await runCommand([process.execPath, '--', path.join(ROOT, 'bin', 'gatehouse.js'), 'export', 'kubernetes'], { ...env, GATEHOUSE_COMPILE_CACHE: '0' }, 60_000, 'gatehouse export kubernetes');
    assert.equal(shipped.code, 0, shipped.stderr);
    noSecretIn('stdout', shipped.stdout);
    assert.equal(shipped.stdout, fromSources.stdout);
  });

  test('help lists it; a mistyped word gets the did-you-mean', async () => {
    const help = await runCli(['help', 'export'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /export kubernetes \[--output FILE\]/);
    const typo = await runCli(['export', 'kubernets'], env);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /Did you mean `gatehouse export kubernetes`\?/);
    const top = await runCli(['exprot', 'kubernetes'], env);
    assert.equal(top.code, 2);
    assert.match(top.stderr, /Did you mean `gatehouse export`/);
  });
});
