import crypto from 'node:crypto';
import type { LogEntry, LogLevel, WarningGroup } from '../../../shared/api';
import { LEVEL_RANK, maxLevel } from './levels';

// Order matters: times before numbers, UUIDs before hex, quoted strings before what they hold.
const MASKS: [RegExp, string][] = [
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '<ip>'],
  [/'[^'\n]*'|"[^"\n]*"/g, '<str>'],
  // ids such as chatcmpl-3f9a1c2e, req_8c1d…: a token of 8+ characters holding a digit
  [/\b(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{8,}\b/g, '<id>'],
  [/\b(?:0x[0-9a-f]+|[0-9a-f]{8,})\b/gi, '<hex>'],
  [/\b\d+(?:\.\d+)*\b/g, '<n>'],
];

const MAX_PATTERN = 300;
const MAX_EXAMPLE = 4000;
const TRACEBACK = 'Traceback (most recent call last):';

/**
 * The message a warning is grouped by: its first line (for a bare traceback, its last line, the
 * exception) with times, ids, hex, IPs, quoted strings and numbers masked, so that the same
 * warning about different requests counts as one.
 */
export function warningPattern(message: string): string {
  let line: string;
  const nl = message.indexOf('\n');
  if (nl === -1) line = message;
  else if (message.startsWith(TRACEBACK)) line = message.slice(message.lastIndexOf('\n') + 1) || message.slice(0, nl);
  else line = message.slice(0, nl);
  if (line.length > MAX_PATTERN) line = line.slice(0, MAX_PATTERN);
  for (const [re, mask] of MASKS) line = line.replace(re, mask);
  return line.trim();
}

interface Group {
  id: string;
  level: LogLevel;
  source: string;
  pattern: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  example: string;
}

/** What add() did to a group; `fresh` = the group just became "new" (see WarningGroups). */
export interface GroupUpdate {
  group: Group;
  fresh: boolean;
}

/**
 * Warnings, errors and critical entries grouped by source and masked message, with count, worst
 * level, first/last seen and the latest example.
 *
 * Acknowledging a group records the last occurrence it covered ("acknowledged through").
 * A group is "new" when it has an occurrence after its acknowledgement: an acknowledged warning
 * that comes back is new again, so a recurring problem is never hidden for good by one click,
 * while a silenced one stays silent until it recurs.
 */
export class WarningGroups {
  private readonly groups = new Map<string, Group>();
  private readonly byId = new Map<string, Group>();
  private acks = new Map<string, string>();

  constructor(private readonly maxGroups = 2000) {}

  setAcks(acks: Record<string, string>): void {
    this.acks = new Map(Object.entries(acks));
  }

  add(entry: LogEntry): GroupUpdate | null {
    if (LEVEL_RANK[entry.level] < LEVEL_RANK.warning) return null;
    const pattern = warningPattern(entry.message);
    const key = entry.source + '\n' + pattern;
    let group = this.groups.get(key);
    const example = entry.message.length > MAX_EXAMPLE ? entry.message.slice(0, MAX_EXAMPLE) + '…' : entry.message;
    if (!group) {
      if (this.groups.size >= this.maxGroups) this.evictOldest();
      const id = crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
      group = { id, level: entry.level, source: entry.source, pattern, count: 1, firstSeen: entry.time, lastSeen: entry.time, example };
      this.groups.set(key, group);
      this.byId.set(id, group);
      return { group, fresh: !this.isAcked(group) };
    }
    const wasAcked = this.isAcked(group);
    group.count++;
    group.level = maxLevel(group.level, entry.level);
    if (entry.time < group.firstSeen) group.firstSeen = entry.time;
    if (entry.time >= group.lastSeen) {
      group.lastSeen = entry.time;
      group.example = example;
    }
    return { group, fresh: wasAcked && !this.isAcked(group) };
  }

  private isAcked(group: Group): boolean {
    const through = this.acks.get(group.id);
    return through !== undefined && group.lastSeen <= through;
  }

  private evictOldest(): void {
    let oldest: [string, Group] | null = null;
    for (const kv of this.groups) if (!oldest || kv[1].lastSeen < oldest[1].lastSeen) oldest = kv;
    if (oldest) {
      this.groups.delete(oldest[0]);
      this.byId.delete(oldest[1].id);
    }
  }

  get(id: string): WarningGroup | null {
    const g = this.byId.get(id);
    return g ? this.view(g) : null;
  }

  view(g: Group): WarningGroup {
    return {
      id: g.id,
      level: g.level,
      pattern: g.pattern,
      count: g.count,
      firstSeen: g.firstSeen,
      lastSeen: g.lastSeen,
      example: g.example,
      acknowledged: this.isAcked(g),
    };
  }

  /** New ones first, then by last seen, newest first. */
  list(): WarningGroup[] {
    return [...this.groups.values()]
      .map((g) => this.view(g))
      .sort((a, b) => Number(a.acknowledged) - Number(b.acknowledged) || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0));
  }

  /** Records an acknowledgement through the group's last occurrence; returns what to persist. */
  acknowledge(id: string): { id: string; through: string } | null {
    const g = this.byId.get(id);
    if (!g) return null;
    this.acks.set(id, g.lastSeen);
    return { id, through: g.lastSeen };
  }

  clear(): void {
    this.groups.clear();
    this.byId.clear();
  }

  get size(): number {
    return this.groups.size;
  }
}
