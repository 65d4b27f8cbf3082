// An in-memory Docker engine behind the same DockerEngine interface as the real adapter, for
// unit tests of the queue, cancellation and rollback logic. It behaves like Docker on the points
// Gatehouse relies on: unique names (409 on a taken name), labels and label filters, 304 for a
// start/stop that changes nothing, 404 for what is gone, a published port that serves while the
// container runs (liveness 200; /v1/models 401 without a key, 200 with the container's
// LITELLM_MASTER_KEY, like LiteLLM), containers of a "crashing" image that exit at start, die and
// start events, and every call refusing at once when its signal has fired. Failures are mapped by
// the real dockerFailure, so callers see exactly the errors the real engine gives them.
import http from 'node:http';
import { PassThrough } from 'node:stream';
import type { PullProgress } from '../../shared/api';
import { describeEndpoint, dockerFailure, type DockerEndpoint } from '../../electron/core/engine/connection';
import type {
  CallOptions,
  ContainerCreateSpec,
  ContainerDetails,
  ContainerSummary,
  DockerEngine,
  EngineFilters,
  EngineStream,
  ExecResult,
  ImageDetails,
  LogQuery,
  NetworkCreateSpec,
  NetworkDetails,
  RestartPolicy,
  VolumeCreateSpec,
  VolumeDetails,
} from '../../electron/core/engine/types';

interface FakeContainer {
  id: string;
  name: string;
  spec: ContainerCreateSpec;
  running: boolean;
  exitCode: number;
  startedAt: string;
  created: number;
  restartCount: number;
}

/** Images whose containers exit with code 1 as soon as they start (a broken gateway). */
export const CRASHING_IMAGE = 'fake/crashing:1';
/** Images whose containers run but never answer on their port (a gateway still booting). */
export const SILENT_IMAGE = 'fake/silent:1';

function refusal(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
}

function matches(labels: Record<string, string> | undefined, filters: EngineFilters): boolean {
  for (const want of filters.label ?? []) {
    const [k, v] = want.split('=') as [string, string | undefined];
    if (!labels || !(k in labels) || (v !== undefined && labels[k] !== v)) return false;
  }
  return true;
}

export class FakeEngine implements DockerEngine {
  readonly env: NodeJS.ProcessEnv = {};
  readonly images = new Set<string>();
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, NetworkDetails>();
  readonly volumes = new Map<string, VolumeDetails>();
  /** Every call, in order ("start <name>", "rename <old> <new>", …), for assertions. */
  readonly calls: string[] = [];
  /** Docker unreachable: every call fails as a refused connection does. */
  down = false;
  private nextId = 1;
  private readonly servers = new Map<string, http.Server>();
  private readonly eventStreams = new Set<{ stream: PassThrough; filters: EngineFilters }>();
  private readonly logStreams = new Map<string, Set<PassThrough>>();

  endpoint(): DockerEndpoint {
    return describeEndpoint({});
  }

  /** Runs one request as the real adapter does: abort and connection faults first, then the answer. */
  private async call<T>(action: string, options: CallOptions | undefined, fn: () => T | Promise<T>): Promise<T> {
    const signal = options?.signal;
    // A round trip: lets a concurrent cancel land between calls, as it does against Docker.
    await new Promise((r) => setImmediate(r));
    try {
      if (signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      if (this.down) throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
      return await fn();
    } catch (err) {
      throw dockerFailure(err, options?.action ?? action, this.env, signal);
    }
  }

  private get(idOrName: string): FakeContainer {
    const c = this.containers.get(idOrName) ?? [...this.containers.values()].find((x) => x.name === idOrName);
    if (!c) throw refusal(404, `No such container: ${idOrName}`);
    return c;
  }

  /** The container by name, for assertions. */
  byName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.name === name);
  }

  /** The Engine API version the fake speaks (the real engine's answer on this machine is newer). */
  apiVersionAnswer = '1.45';

  apiVersion(options?: CallOptions): Promise<string> {
    return this.call('tell its API version', options, () => this.apiVersionAnswer);
  }

  async ping(signal?: AbortSignal): Promise<void> {
    await this.call('answer a ping', { signal }, () => undefined);
  }

  listContainers(filters: EngineFilters, options?: CallOptions): Promise<ContainerSummary[]> {
    return this.call('list containers', options, () =>
      [...this.containers.values()]
        .filter((c) => matches(c.spec.Labels, filters))
        .map((c) => ({ Id: c.id, Names: ['/' + c.name], Labels: { ...(c.spec.Labels ?? {}) }, State: c.running ? 'running' : 'exited', Created: c.created }) as unknown as ContainerSummary),
    );
  }

  inspectContainer(id: string, options?: CallOptions): Promise<ContainerDetails | null> {
    return this.call('inspect the container', options, () => {
      const c = this.containers.get(id) ?? this.byName(id);
      return c ? this.details(c) : null;
    });
  }

  private details(c: FakeContainer): ContainerDetails {
    const mounts = (c.spec.HostConfig?.Mounts ?? []).map((m) => ({ Type: 'volume', Name: m.Source, Source: '', Destination: m.Target }));
    return {
      Id: c.id,
      Name: '/' + c.name,
      Image: `sha256:${c.spec.Image}`,
      Created: new Date(c.created).toISOString(),
      RestartCount: c.restartCount,
      State: { Running: c.running, Restarting: false, ExitCode: c.exitCode, StartedAt: c.startedAt, Status: c.running ? 'running' : 'exited' },
      Config: { Image: c.spec.Image, Env: c.spec.Env ?? [], Labels: { ...(c.spec.Labels ?? {}) }, Tty: false, User: '' },
      HostConfig: { ...c.spec.HostConfig },
      Mounts: mounts,
      NetworkSettings: { Ports: {} },
    } as unknown as ContainerDetails;
  }

  createContainer(spec: ContainerCreateSpec, options?: CallOptions): Promise<string> {
    return this.call(`create the container ${spec.name ?? ''}`.trim(), options, () => {
      if (!this.images.has(spec.Image ?? '')) throw refusal(404, `No such image: ${spec.Image}`);
      const name = spec.name ?? `fake_${this.nextId}`;
      if (this.byName(name)) throw refusal(409, `Conflict. The container name "/${name}" is already in use`);
      const id = `c${String(this.nextId++).padStart(63, '0')}`;
      this.containers.set(id, { id, name, spec, running: false, exitCode: 0, startedAt: '0001-01-01T00:00:00Z', created: Date.now() + this.nextId, restartCount: 0 });
      this.calls.push(`create ${name}`);
      return id;
    });
  }

  startContainer(id: string, options?: CallOptions): Promise<void> {
    return this.call('start the container', options, async () => {
      const c = this.get(id);
      if (c.running) return; // 304
      const port = this.publishedPort(c);
      const holder = port && [...this.containers.values()].find((o) => o.running && this.publishedPort(o) === port);
      if (holder) throw refusal(500, `driver failed programming external connectivity: Bind for 127.0.0.1:${port} failed: port is already allocated`);
      this.calls.push(`start ${c.name}`);
      c.startedAt = new Date().toISOString();
      if (c.spec.Image === CRASHING_IMAGE) {
        c.exitCode = 1;
        this.emit(c, 'start');
        this.emit(c, 'die');
        return;
      }
      c.running = true;
      this.emit(c, 'start');
      if (port && c.spec.Image !== SILENT_IMAGE) await this.serve(c, port);
    });
  }

  stopContainer(id: string, _timeoutS: number, options?: CallOptions): Promise<void> {
    return this.call('stop the container', options, async () => {
      const c = this.containers.get(id);
      if (!c || !c.running) return; // 404 / 304
      this.calls.push(`stop ${c.name}`);
      await this.halt(c, 0);
    });
  }

  /** Makes a running container exit on its own (a crash). */
  async crash(id: string, exitCode = 137): Promise<void> {
    await this.halt(this.get(id), exitCode);
  }

  private async halt(c: FakeContainer, exitCode: number): Promise<void> {
    c.running = false;
    c.exitCode = exitCode;
    const server = this.servers.get(c.id);
    this.servers.delete(c.id);
    if (server) await new Promise((r) => server.close(r));
    for (const s of this.logStreams.get(c.id) ?? []) s.end();
    this.logStreams.delete(c.id);
    this.emit(c, 'die');
  }

  removeContainer(id: string, options?: CallOptions): Promise<void> {
    return this.call('remove the container', options, async () => {
      const c = this.containers.get(id);
      if (!c) return; // 404
      if (c.running) await this.halt(c, 137);
      this.calls.push(`remove ${c.name}`);
      this.containers.delete(id);
    });
  }

  renameContainer(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.call(`rename the container to ${name}`, options, () => {
      const c = this.get(id);
      if (this.byName(name) && this.byName(name) !== c) throw refusal(409, `Conflict. The container name "/${name}" is already in use`);
      this.calls.push(`rename ${c.name} ${name}`);
      c.name = name;
    });
  }

  setRestartPolicy(id: string, policy: RestartPolicy, options?: CallOptions): Promise<void> {
    return this.call('update the container', options, () => {
      const c = this.get(id);
      c.spec = { ...c.spec, HostConfig: { ...c.spec.HostConfig, RestartPolicy: { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 } as never } };
    });
  }

  containerLogs(id: string, query: LogQuery, options?: CallOptions): Promise<Buffer | EngineStream> {
    return this.call('read the container logs', options, () => {
      const c = this.get(id);
      if (!query.follow || !c.running) return Buffer.alloc(0);
      const s = new PassThrough();
      const set = this.logStreams.get(c.id) ?? new Set<PassThrough>();
      set.add(s);
      this.logStreams.set(c.id, set);
      return s as unknown as EngineStream;
    });
  }

  exec(id: string, _cmd: string[], _env: string[], options?: CallOptions): Promise<ExecResult> {
    return this.call('run a command in the container', options, () => ({ exitCode: this.get(id).running ? 0 : null, output: '' }));
  }

  putArchive(id: string, path: string, _archive: Buffer, options?: CallOptions): Promise<void> {
    return this.call(`copy files to ${path} in the container`, options, () => {
      this.get(id);
      this.calls.push(`put-archive ${path}`);
    });
  }

  statPath(id: string, _path: string, options?: CallOptions): Promise<{ size: number } | null> {
    return this.call('look at a path in the container', options, () => (this.get(id), null));
  }

  inspectImage(ref: string, options?: CallOptions): Promise<ImageDetails | null> {
    return this.call(`inspect image ${ref}`, options, () => (this.images.has(ref) ? ({ Id: `sha256:${ref}`, RepoDigests: [], Config: {} } as unknown as ImageDetails) : null));
  }

  pullImage(ref: string, onProgress: (p: PullProgress) => void, options?: CallOptions): Promise<void> {
    return this.call(`pull ${ref}`, options, () => {
      this.images.add(ref);
      onProgress({ image: ref, layers: [], currentBytes: 0, totalBytes: 0, percent: 100, status: 'Pull complete' });
    });
  }

  createNetwork(spec: NetworkCreateSpec, options?: CallOptions): Promise<boolean> {
    return this.call(`create network ${spec.Name}`, options, () => {
      if (this.networks.has(spec.Name)) return false;
      this.networks.set(spec.Name, { Name: spec.Name, Labels: spec.Labels, Containers: {} });
      return true;
    });
  }

  inspectNetwork(name: string, options?: CallOptions): Promise<NetworkDetails | null> {
    return this.call(`inspect network ${name}`, options, () => {
      const n = this.networks.get(name);
      if (!n) return null;
      const attached = [...this.containers.values()].filter((c) => c.running && c.spec.HostConfig?.NetworkMode === name);
      return { ...n, Containers: Object.fromEntries(attached.map((c) => [c.id, {}])) };
    });
  }

  removeNetwork(name: string, options?: CallOptions): Promise<void> {
    return this.call(`remove network ${name}`, options, () => void this.networks.delete(name));
  }

  listVolumes(filters: EngineFilters, options?: CallOptions): Promise<VolumeDetails[]> {
    return this.call('list volumes', options, () => [...this.volumes.values()].filter((v) => (!filters.name || filters.name.includes(v.Name)) && matches(v.Labels ?? {}, filters)));
  }

  inspectVolume(name: string, options?: CallOptions): Promise<VolumeDetails | null> {
    return this.call(`inspect the volume ${name}`, options, () => this.volumes.get(name) ?? null);
  }

  createVolume(spec: VolumeCreateSpec, options?: CallOptions): Promise<void> {
    return this.call(`create volume ${spec.Name}`, options, () => void this.volumes.set(spec.Name, { Name: spec.Name, Labels: spec.Labels }));
  }

  removeVolume(name: string, options?: CallOptions): Promise<void> {
    return this.call(`remove the volume ${name}`, options, () => {
      if ([...this.containers.values()].some((c) => (c.spec.HostConfig?.Mounts ?? []).some((m) => m.Source === name))) throw refusal(409, 'volume is in use');
      this.volumes.delete(name);
    });
  }

  events(filters: EngineFilters, options?: CallOptions & { since?: number }): Promise<EngineStream> {
    return this.call('follow events', options, () => {
      const stream = new PassThrough();
      const entry = { stream, filters };
      this.eventStreams.add(entry);
      const end = () => {
        this.eventStreams.delete(entry);
        stream.destroy();
      };
      options?.signal?.addEventListener('abort', end, { once: true });
      stream.on('close', () => this.eventStreams.delete(entry));
      return stream as unknown as EngineStream;
    });
  }

  private emit(c: FakeContainer, action: 'start' | 'die'): void {
    const ev = { Type: 'container', Action: action, status: action, id: c.id, Actor: { ID: c.id, Attributes: { ...(c.spec.Labels ?? {}), name: c.name, exitCode: String(c.exitCode) } }, time: Math.floor(Date.now() / 1000) };
    for (const { stream, filters } of this.eventStreams) {
      if (filters.event && !filters.event.includes(action)) continue;
      if (filters.container && !filters.container.includes(c.id)) continue;
      if (!matches(c.spec.Labels, filters)) continue;
      stream.write(JSON.stringify(ev) + '\n');
    }
  }

  private publishedPort(c: FakeContainer): number | null {
    const binding = Object.values(c.spec.HostConfig?.PortBindings ?? {})[0] as { HostPort?: string }[] | undefined;
    return binding?.[0]?.HostPort ? Number(binding[0].HostPort) : null;
  }

  /** The published port answers like LiteLLM while the container runs. */
  private async serve(c: FakeContainer, port: number): Promise<void> {
    const key = (c.spec.Env ?? []).find((e) => e.startsWith('LITELLM_MASTER_KEY='))?.slice('LITELLM_MASTER_KEY='.length);
    const server = http.createServer((req, res) => {
      if (req.url === '/health/liveliness' || req.url === '/health/liveness') return void res.end('"I\'m alive!"');
      const auth = req.headers.authorization;
      res.statusCode = key && auth === `Bearer ${key}` ? 200 : 401;
      res.end(res.statusCode === 200 ? '{"data":[]}' : '{"error":{"message":"Authentication Error, No api key passed in."}}');
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    this.servers.set(c.id, server);
  }

  /** Closes what the fake serves (published ports, streams). */
  async close(): Promise<void> {
    for (const c of this.containers.values()) if (c.running) await this.halt(c, 0);
    for (const { stream } of this.eventStreams) stream.destroy();
  }
}
