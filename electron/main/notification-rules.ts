import type { EventMap, StackState } from '../../shared/api';

/**
 * Which core events become native notifications, and with what words. Pure logic, so it is
 * tested in Node; main.ts only hands the result to Electron's Notification.
 */
export interface NoticeText {
  title: string;
  body: string;
  urgent: boolean;
}

export class NotificationRules {
  private lastState: StackState | null = null;
  private readonly notifiedGroups = new Set<string>();

  stackStatus(s: EventMap['stack:status']): NoticeText | null {
    const prev = this.lastState;
    this.lastState = s.state;
    if (s.state === 'crashed' && prev !== 'crashed') {
      return {
        title: 'Gateway crashed',
        body: s.detail ?? `The gateway stopped on its own${s.exitCode !== null ? ` (exit code ${s.exitCode})` : ''}.`,
        urgent: true,
      };
    }
    if (s.state === 'unsafe' && prev !== 'unsafe') {
      return { title: 'Gateway answers without a key', body: s.detail ?? 'Anyone who can reach it can use your Claude account. Stop it now.', urgent: true };
    }
    return null;
  }

  warningsNew(groups: EventMap['warnings:new']): NoticeText | null {
    // One notification per new kind of warning: a group that keeps recurring does not nag; the
    // Logs view shows its count.
    const fresh = groups.filter((g) => !g.acknowledged && !this.notifiedGroups.has(g.id));
    for (const g of fresh) this.notifiedGroups.add(g.id);
    if (fresh.length === 0) return null;
    const first = fresh[0]!;
    return {
      title: fresh.length === 1 ? `New gateway ${first.level}` : `${fresh.length} new gateway warnings`,
      body: first.example.slice(0, 200),
      urgent: fresh.some((g) => g.level === 'error' || g.level === 'critical'),
    };
  }

  rotation(p: EventMap['rotation:progress']): NoticeText | null {
    if (p.step === 'done') return { title: 'Master key rotated', body: p.message, urgent: false };
    if (p.step === 'rollback') return { title: 'Key rotation failed', body: `${p.message} The previous key is still in use.`, urgent: true };
    return null;
  }

  securityWorsened(checks: EventMap['security:worsened']): NoticeText | null {
    if (checks.length === 0) return null;
    const first = checks[0]!;
    return {
      title: checks.length === 1 ? `Security: ${first.title}` : `${checks.length} security checks got worse`,
      body: first.finding,
      urgent: checks.some((c) => c.status === 'fail'),
    };
  }
}
