import { promises as fs } from 'node:fs';
import type { DockerEndpoint } from '../engine/connection';
import type { EndpointFacts, SocketFacts } from './facts';

interface User {
  name: string;
  uid: number;
  gid: number;
}

interface Group {
  name: string;
  gid: number;
  members: string[];
}

function records(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((p) => p.length >= 4);
}

/** /etc/passwd: "name:x:uid:gid:…". */
export function parsePasswd(text: string): User[] {
  return records(text).map((p) => ({ name: p[0] as string, uid: Number(p[2]), gid: Number(p[3]) }));
}

/** /etc/group: "name:x:gid:member,member". */
export function parseGroup(text: string): Group[] {
  return records(text).map((p) => ({ name: p[0] as string, gid: Number(p[2]), members: (p[3] ?? '').split(',').filter(Boolean) }));
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Who can talk to the Docker socket, and so read every container's environment (the master key
 * included) with `docker inspect`: the socket's owner, group, mode and the group's members.
 */
export async function socketFacts(socketPath: string, etc = '/etc'): Promise<SocketFacts> {
  let st: import('node:fs').Stats;
  try {
    st = await fs.stat(socketPath);
  } catch {
    return { path: socketPath, exists: false, owner: null, group: null, mode: null, groupMembers: [] };
  }
  const users = parsePasswd(await readText(`${etc}/passwd`));
  const groups = parseGroup(await readText(`${etc}/group`));
  const group = groups.find((g) => g.gid === st.gid);
  // A group's members are those /etc/group lists plus the users whose primary group it is.
  const members = new Set([...(group?.members ?? []), ...users.filter((u) => u.gid === st.gid).map((u) => u.name)]);
  return {
    path: socketPath,
    exists: true,
    owner: users.find((u) => u.uid === st.uid)?.name ?? String(st.uid),
    group: group?.name ?? String(st.gid),
    mode: st.mode & 0o777,
    groupMembers: [...members],
  };
}

export async function endpointFacts(ep: DockerEndpoint): Promise<EndpointFacts> {
  return {
    description: ep.description,
    kind: ep.kind,
    tls: ep.tls,
    socket: ep.kind === 'unix' && ep.socketPath ? await socketFacts(ep.socketPath) : null,
  };
}
