import type { DatabaseState, DatabaseStatus } from '../../../shared/api';
import type { ContainerDetails } from '../engine/types';
import type { DatabasePlan } from './database-plan';

/** A death of the database container seen in Docker's events (kept in memory until it is healthy again). */
export interface DatabaseDeath {
  containerId: string;
  exitCode: number | null;
  at: number;
}

/** What the gateway's /health/readiness said about its database; null when it could not be asked. */
export interface GatewayDbReport {
  connected: boolean;
  /** The gateway's own words when not connected (LiteLLM's error, the stand-in's server message). */
  error: string | null;
}

export interface DatabaseStatusInput {
  plan: DatabasePlan;
  container: ContainerDetails | null;
  /** An operation of this process in progress ('starting' / 'stopping'), with its sentence. */
  transient: { state: Extract<DatabaseState, 'starting' | 'stopping'>; detail: string } | null;
  death: DatabaseDeath | null;
  gateway: GatewayDbReport | null;
}

/** DatabaseStatus from Docker's view of the container, recent events and the gateway's readiness (pure). */
export function describeDatabaseStatus(input: DatabaseStatusInput): DatabaseStatus {
  const { plan, container: c, transient, death, gateway } = input;
  const base: DatabaseStatus = {
    state: 'absent',
    containerId: c?.Id ?? null,
    image: plan.image,
    volume: plan.volumeName,
    connected: gateway ? gateway.connected : null,
    detail: null,
  };
  const notConnected = gateway && !gateway.connected ? `The gateway reports no database connection${gateway.error ? `: ${gateway.error}` : ''}.` : null;
  if (transient) return { ...base, state: transient.state, detail: transient.detail };
  if (!c) return { ...base, detail: `No database container exists yet; start creates ${plan.containerName} with the data volume ${plan.volumeName}.` };
  const st = c.State;
  const died = death && death.containerId === c.Id ? death : null;
  if (st.Restarting) {
    return { ...base, state: 'crashed', detail: `The database exited with code ${st.ExitCode} and Docker is restarting it.` };
  }
  if (!st.Running) {
    if (st.Status === 'created') return { ...base, state: 'stopped', detail: 'The database container exists but was never started.' };
    if (st.ExitCode === 0) return { ...base, state: 'stopped', detail: 'The database is stopped.' };
    return {
      ...base,
      state: 'crashed',
      detail: `The database exited on its own with code ${st.ExitCode}${st.OOMKilled ? ' (out of memory)' : ''}${st.Error ? `: ${st.Error}` : ''}.`,
    };
  }
  const health = st.Health?.Status;
  if (died && health !== 'healthy') {
    // Docker restarts a dead database at once (unless-stopped): until it is healthy again the
    // death is the news, not "starting".
    return { ...base, state: 'crashed', detail: `The database exited with code ${died.exitCode ?? 'unknown'} while running; Docker restarted it and it is not accepting connections yet.` };
  }
  if (health === 'unhealthy') {
    const last = st.Health?.Log?.at(-1);
    return { ...base, state: 'unhealthy', detail: `The database does not accept connections (pg_isready${last ? ` exit ${last.ExitCode}` : ''}).` };
  }
  if (health === 'starting') return { ...base, state: 'starting', detail: 'The database is starting (waiting for pg_isready).' };
  return { ...base, state: 'healthy', detail: notConnected };
}

/** Reads LiteLLM's readiness body: `db` is "connected" when its database works. */
export function parseReadiness(status: number, body: string): GatewayDbReport | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const r = parsed as { db?: unknown; error?: unknown; status?: unknown };
  if (typeof r.db !== 'string') return null;
  const connected = r.db === 'connected';
  const error = connected ? null : typeof r.error === 'string' && r.error ? r.error : `readiness says db "${r.db}" (HTTP ${status})`;
  return { connected, error };
}
