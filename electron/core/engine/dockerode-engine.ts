import type Docker from 'dockerode';
import type { PullProgress } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { assertSecretsMayCross, connectionError, createDocker, describeEndpoint, dockerFailure, engineReason, engineStatus, type DockerEndpoint } from './connection';
import { demuxDockerLog } from './container-logs';
import { PullTracker, pullFailed, type PullEvent } from './pull';
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
  SecretSummary,
  ServiceDetails,
  ServiceLogQuery,
  ServiceSpec,
  SwarmEngine,
  SwarmMembership,
  TaskDetails,
  VolumeCreateSpec,
  VolumeDetails,
} from './types';

const EXEC_TIMEOUT_MS = 10_000;

/**
 * dockerode accepts `abortSignal` in every options object, but its type declarations do not
 * say so: the one place the signal is added to a request.
 */
function withSignal<T extends object>(options: T, signal: AbortSignal | undefined): T {
  return { ...options, abortSignal: signal } as T;
}

/**
 * The Docker engine through dockerode: the only module that talks to it. The client is built on
 * first use (commands that never touch Docker do not load dockerode), from DOCKER_HOST and
 * friends in `env`; every call goes through `call`, which maps failures in one place.
 */
export class DockerodeEngine implements DockerEngine, SwarmEngine {
  private client: Docker | null;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    client?: Docker,
  ) {
    this.client = client ?? null;
  }

  endpoint(): DockerEndpoint {
    return describeEndpoint(this.env);
  }

  private docker(): Docker {
    if (this.client) return this.client;
    try {
      this.client = createDocker(this.env);
    } catch (err) {
      // e.g. DOCKER_TLS_VERIFY set but the certificates are missing.
      throw new GatehouseError(
        'DOCKER_UNREACHABLE',
        `Docker at ${describeEndpoint(this.env).description} cannot be used: ${(err as Error).message}.`,
        'Check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or unset DOCKER_HOST to use the local engine.',
        { cause: err },
      );
    }
    return this.client;
  }

  /** Runs one request; `tolerate` lists the statuses that are an answer, not a fault (then `fallback`). */
  private async call<T>(action: string, options: CallOptions | undefined, fn: (docker: Docker, signal: AbortSignal | undefined) => Promise<T>, tolerate: number[] = [], fallback?: () => T): Promise<T> {
    const signal = options?.signal;
    try {
      return await fn(this.docker(), signal);
    } catch (err) {
      const status = engineStatus(err);
      if (status !== undefined && tolerate.includes(status) && fallback && !(err instanceof GatehouseError)) return fallback();
      throw dockerFailure(err, options?.action ?? action, this.env, signal);
    }
  }

  private apiVersionAnswer: Promise<string> | null = null;

  apiVersion(options?: CallOptions): Promise<string> {
    this.apiVersionAnswer ??= this.call('tell its API version', options, async (docker, signal) => {
      const version = docker.version as unknown as (opts: { abortSignal?: AbortSignal }) => Promise<{ ApiVersion?: string }>;
      const v = await version.call(docker, { abortSignal: signal });
      return v.ApiVersion ?? '0';
    });
    this.apiVersionAnswer.catch(() => (this.apiVersionAnswer = null)); // asked again next time
    return this.apiVersionAnswer;
  }

  async ping(signal?: AbortSignal, timeoutMs = 10_000): Promise<void> {
    // A remote engine behind a silent firewall would otherwise hang the start for minutes.
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const docker = this.docker();
      const ping = docker.ping as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
      await ping.call(docker, { abortSignal: both });
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) {
        const ep = this.endpoint();
        throw new GatehouseError(
          'DOCKER_UNREACHABLE',
          `Docker is not reachable at ${this.env.DOCKER_HOST ? `DOCKER_HOST=${ep.description}` : ep.description}: no answer within ${Math.round(timeoutMs / 1000)} s.`,
          'Check that the Docker engine is running and answering (docker info), then try again.',
          { cause: err },
        );
      }
      throw dockerFailure(err, 'answer a ping', this.env, signal);
    }
  }

  listContainers(filters: EngineFilters, options?: CallOptions): Promise<ContainerSummary[]> {
    return this.call('list containers', options, (d, signal) => d.listContainers(withSignal({ all: true, filters }, signal)));
  }

  inspectContainer(id: string, options?: CallOptions): Promise<ContainerDetails | null> {
    return this.call('inspect the container', options, (d, signal) => d.getContainer(id).inspect(withSignal({}, signal)), [404], () => null);
  }

  async createContainer(spec: ContainerCreateSpec, options?: CallOptions): Promise<string> {
    // A container's Env is where its secrets go (the gateway's key, the database password).
    if (spec.Env?.length) assertSecretsMayCross(this.env);
    const c = await this.call(`create the container ${spec.name ?? ''}`.trim(), options, (d, signal) => d.createContainer(withSignal(spec, signal)));
    return c.id;
  }

  startContainer(id: string, options?: CallOptions): Promise<void> {
    return this.call('start the container', options, (d, signal) => d.getContainer(id).start(withSignal({}, signal)), [304], () => undefined);
  }

  stopContainer(id: string, timeoutS: number, options?: CallOptions): Promise<void> {
    return this.call('stop the container', options, (d, signal) => d.getContainer(id).stop(withSignal({ t: timeoutS }, signal)), [304, 404], () => undefined);
  }

  async removeContainer(id: string, options?: CallOptions): Promise<void> {
    try {
      await this.call('remove the container', options, (d, signal) => d.getContainer(id).remove(withSignal({ force: true, v: false }, signal)), [404], () => undefined);
    } catch (err) {
      // 409 "removal already in progress" is someone else finishing the job.
      if (engineStatus(err) === 409 && /already in progress/.test(engineReason(err))) return;
      throw err;
    }
  }

  renameContainer(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.call(`rename the container to ${name}`, options, (d, signal) => d.getContainer(id).rename(withSignal({ name }, signal)));
  }

  setRestartPolicy(id: string, policy: RestartPolicy, options?: CallOptions): Promise<void> {
    return this.call('update the container', options, (d, signal) => d.getContainer(id).update(withSignal({ RestartPolicy: policy }, signal)));
  }

  containerLogs(id: string, query: LogQuery, options?: CallOptions): Promise<Buffer | EngineStream> {
    // dockerode answers a Buffer when follow is false and a stream when it is true.
    return this.call('read the container logs', options, async (d, signal) => {
      const { stream, ...params } = query;
      if (stream && !params.follow) {
        // dockerode buffers the whole answer unless it follows; the same request, read as it comes.
        return new Promise<EngineStream>((resolve, reject) => {
          const modem = (d as unknown as { modem: { dial(o: object, cb: (err: unknown, res: unknown) => void): void } }).modem;
          modem.dial(
            { path: `/containers/${id}/logs?`, method: 'GET', abortSignal: signal, isStream: true, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' }, options: params },
            (err, res) => (err ? reject(err) : resolve(res as EngineStream)),
          );
        });
      }
      const container = d.getContainer(id) as unknown as { logs(o: object): Promise<unknown> };
      const res = await container.logs(withSignal({ ...params }, signal));
      return Buffer.isBuffer(res) ? res : typeof res === 'string' ? Buffer.from(res) : (res as EngineStream);
    });
  }

  async exec(id: string, cmd: string[], env: string[], options?: CallOptions & { timeoutMs?: number }): Promise<ExecResult> {
    if (env.length) assertSecretsMayCross(this.env);
    const action = options?.action ?? 'run a command in the container';
    // 409: the container stopped in between; the caller's next inspect reports it.
    const exec = await this.call(action, options, (d, signal) => d.getContainer(id).exec(withSignal({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true }, signal)), [409], () => null);
    if (!exec) return { exitCode: null, output: '' };
    const stream = (await this.call(action, options, () => exec.start({ hijack: true, stdin: false }))) as EngineStream;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stream.destroy();
        resolve();
      }, options?.timeoutMs ?? EXEC_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    const output = demuxDockerLog(Buffer.concat(chunks))
      .map((f) => f.text)
      .join('');
    const info = await exec.inspect().catch(() => null);
    return { exitCode: info && !info.Running ? (info.ExitCode ?? null) : null, output };
  }

  async putArchive(id: string, path: string, archive: Buffer, options?: CallOptions): Promise<void> {
    await this.call(`copy files to ${path} in the container`, options, (d, signal) => d.getContainer(id).putArchive(archive, withSignal({ path }, signal)) as Promise<unknown>);
  }

  async statPath(id: string, path: string, options?: CallOptions): Promise<{ size: number } | null> {
    const res = await this.call(
      `look at ${path} in the container`,
      options,
      (d, signal) => d.getContainer(id).infoArchive(withSignal({ path }, signal)) as Promise<{ headers?: Record<string, string | undefined>; resume?: () => void }>,
      [404],
      () => null,
    );
    if (!res) return null;
    res.resume?.();
    const raw = res.headers?.['x-docker-container-path-stat'];
    if (!raw) return { size: 1 };
    const stat = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { size?: number };
    return { size: stat.size ?? 1 };
  }

  inspectImage(ref: string, options?: CallOptions): Promise<ImageDetails | null> {
    return this.call(`inspect image ${ref}`, options, (d, signal) => d.getImage(ref).inspect(withSignal({}, signal)), [404], () => null);
  }

  async pullImage(image: string, onProgress: (p: PullProgress) => void, options?: CallOptions): Promise<void> {
    const signal = options?.signal;
    const tracker = new PullTracker(image);
    const docker = this.docker();
    let stream: EngineStream;
    try {
      stream = (await docker.pull(image, withSignal({}, signal))) as EngineStream;
    } catch (err) {
      if (signal?.aborted) throw dockerFailure(err, options?.action ?? `pull ${image}`, this.env, signal);
      const conn = connectionError(err, this.env);
      if (conn) throw conn;
      throw pullFailed(image, engineReason(err), err);
    }
    onProgress(tracker.snapshot());
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(dockerFailure(signal?.reason ?? new Error('aborted'), options?.action ?? `pull ${image}`, this.env, signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      docker.modem.followProgress(
        stream,
        (err: Error | null, output: PullEvent[]) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) return;
          const failed = output?.find((o) => o.error || o.errorDetail);
          if (err) reject(pullFailed(image, err.message, err));
          else if (failed) reject(pullFailed(image, failed.errorDetail?.message ?? failed.error ?? 'unknown error'));
          else {
            onProgress(tracker.finish());
            resolve();
          }
        },
        (ev: PullEvent) => {
          if (!ev.error) onProgress(tracker.apply(ev));
        },
      );
    });
  }

  createNetwork(spec: NetworkCreateSpec, options?: CallOptions): Promise<boolean> {
    // CheckDuplicate makes an existing name a 409 rather than a second network of that name.
    return this.call(
      `create network ${spec.Name}`,
      options,
      async (d, signal) => {
        await d.createNetwork(withSignal({ ...spec, CheckDuplicate: true }, signal));
        return true;
      },
      [409],
      () => false,
    );
  }

  inspectNetwork(name: string, options?: CallOptions): Promise<NetworkDetails | null> {
    return this.call(`inspect network ${name}`, options, (d, signal) => (d.getNetwork(name) as unknown as { inspect(o: object): Promise<NetworkDetails> }).inspect(withSignal({}, signal)), [404], () => null);
  }

  removeNetwork(name: string, options?: CallOptions): Promise<void> {
    return this.call(`remove network ${name}`, options, (d, signal) => d.getNetwork(name).remove(withSignal({}, signal)), [404], () => undefined);
  }

  async listVolumes(filters: EngineFilters, options?: CallOptions): Promise<VolumeDetails[]> {
    const res = await this.call('list volumes', options, (d, signal) => d.listVolumes(withSignal({ filters }, signal)));
    return res.Volumes ?? [];
  }

  inspectVolume(name: string, options?: CallOptions): Promise<VolumeDetails | null> {
    return this.call(`inspect the volume ${name}`, options, (d, signal) => d.getVolume(name).inspect(withSignal({}, signal)) as Promise<VolumeDetails>, [404], () => null);
  }

  async createVolume(spec: VolumeCreateSpec, options?: CallOptions): Promise<void> {
    await this.call(`create volume ${spec.Name}`, options, (d, signal) => d.createVolume(withSignal(spec, signal)));
  }

  removeVolume(name: string, options?: CallOptions): Promise<void> {
    return this.call(`remove the volume ${name}`, options, (d, signal) => d.getVolume(name).remove(withSignal({}, signal)));
  }

  events(filters: EngineFilters, options?: CallOptions & { since?: number }): Promise<EngineStream> {
    const query = options?.since !== undefined ? { filters, since: options.since } : { filters };
    return this.call('follow events', options, async (d, signal) => (await d.getEvents(withSignal(query, signal))) as EngineStream);
  }

  async swarmMembership(options?: CallOptions): Promise<SwarmMembership> {
    const info = (await this.call('tell its swarm state', options, (d, signal) => (d.info as unknown as (o: object) => Promise<{ Swarm?: Record<string, unknown> }>).call(d, { abortSignal: signal }))).Swarm ?? {};
    return {
      localNodeState: String(info.LocalNodeState ?? 'inactive'),
      controlAvailable: info.ControlAvailable === true,
      nodeId: typeof info.NodeID === 'string' && info.NodeID ? info.NodeID : null,
      nodes: typeof info.Nodes === 'number' ? info.Nodes : 0,
      managers: typeof info.Managers === 'number' ? info.Managers : 0,
    };
  }

  async swarmInit(advertiseAddr: string, options?: CallOptions): Promise<string> {
    const id = await this.call('create a swarm', options, (d, signal) => d.swarmInit(withSignal({ ListenAddr: `${advertiseAddr}:2377`, AdvertiseAddr: advertiseAddr }, signal)) as Promise<unknown>);
    return typeof id === 'string' ? id : String(id);
  }

  async swarmLeave(force: boolean, options?: CallOptions): Promise<void> {
    await this.call('leave the swarm', options, (d, signal) => d.swarmLeave(withSignal({ force }, signal)) as Promise<unknown>, [503], () => undefined);
  }

  async createSecret(name: string, value: string, labels: Record<string, string>, options?: CallOptions): Promise<string> {
    assertSecretsMayCross(this.env);
    const spec = { Name: name, Labels: labels, Data: Buffer.from(value, 'utf8').toString('base64') };
    const res = (await this.call(`create the secret ${name}`, options, (d, signal) => d.createSecret(withSignal(spec, signal)) as Promise<unknown>)) as { id?: string; ID?: string };
    return res.id ?? res.ID ?? '';
  }

  listSecrets(filters: EngineFilters, options?: CallOptions): Promise<SecretSummary[]> {
    return this.call('list secrets', options, (d, signal) => d.listSecrets(withSignal({ filters }, signal)) as unknown as Promise<SecretSummary[]>);
  }

  async removeSecret(id: string, options?: CallOptions): Promise<void> {
    await this.call('remove the secret', options, (d, signal) => d.getSecret(id).remove(withSignal({}, signal)) as Promise<unknown>, [404], () => undefined);
  }

  async createService(spec: ServiceSpec, options?: CallOptions): Promise<string> {
    const res = (await this.call(`create the service ${spec.Name ?? ''}`.trim(), options, (d, signal) => d.createService(withSignal(spec, signal)) as Promise<unknown>)) as { id?: string; ID?: string };
    return res.id ?? res.ID ?? '';
  }

  inspectService(id: string, options?: CallOptions): Promise<ServiceDetails | null> {
    return this.call('inspect the service', options, (d, signal) => d.getService(id).inspect(withSignal({}, signal)) as Promise<ServiceDetails>, [404], () => null);
  }

  listServices(filters: EngineFilters, options?: CallOptions): Promise<ServiceDetails[]> {
    return this.call('list services', options, (d, signal) => d.listServices(withSignal({ filters }, signal)) as unknown as Promise<ServiceDetails[]>);
  }

  /**
   * Swarm bumps a service's version on its own too (the orchestrator writes UpdateStatus when a
   * rolling update completes), so a version read a moment ago can be stale: "update out of
   * sequence". The update is then sent again with the version read anew (the spec is what the
   * caller wants either way); three tries.
   */
  async updateService(id: string, version: number, spec: ServiceSpec, options?: CallOptions): Promise<void> {
    const action = `update the service ${spec.Name ?? ''}`.trim();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call(action, options, (d, signal) => d.getService(id).update(withSignal({ ...spec, version }, signal)) as Promise<unknown>);
        return;
      } catch (err) {
        if (attempt >= 3 || !/update out of sequence/.test(String((err as Error).message))) throw err;
        const current = await this.call('inspect the service', options, (d, signal) => d.getService(id).inspect(withSignal({}, signal)) as Promise<{ Version?: { Index?: number } }>);
        version = current.Version?.Index ?? version;
      }
    }
  }

  async removeService(id: string, options?: CallOptions): Promise<void> {
    await this.call('remove the service', options, (d, signal) => d.getService(id).remove(withSignal({}, signal)) as Promise<unknown>, [404], () => undefined);
  }

  listTasks(filters: EngineFilters, options?: CallOptions): Promise<TaskDetails[]> {
    return this.call('list tasks', options, (d, signal) => d.listTasks(withSignal({ filters }, signal)) as unknown as Promise<TaskDetails[]>);
  }

  serviceLogs(id: string, query: ServiceLogQuery, options?: CallOptions): Promise<Buffer | EngineStream> {
    return this.call('read the service logs', options, async (d, signal) => {
      const { stream, ...params } = query;
      if (stream && !params.follow) {
        // As for a container: the same request read as it comes, not buffered whole.
        return new Promise<EngineStream>((resolve, reject) => {
          const modem = (d as unknown as { modem: { dial(o: object, cb: (err: unknown, res: unknown) => void): void } }).modem;
          modem.dial(
            { path: `/services/${id}/logs?`, method: 'GET', abortSignal: signal, isStream: true, statusCodes: { 200: true, 404: 'no such service', 500: 'server error', 503: 'node is not part of a swarm' }, options: params },
            (err, res) => (err ? reject(err) : resolve(res as EngineStream)),
          );
        });
      }
      const service = d.getService(id) as unknown as { logs(o: object): Promise<unknown> };
      const res = await service.logs(withSignal({ ...params }, signal));
      return Buffer.isBuffer(res) ? res : typeof res === 'string' ? Buffer.from(res) : (res as EngineStream);
    });
  }
}
