import type { StateStore } from '../state-store';
import type { StackMarks } from './status';

const MARKS_SECTION = 'stack';

/** What Gatehouse remembers per stack between runs (state.json section "stack": container ids only). */
export class StackMarksStore {
  constructor(private readonly state: StateStore) {}

  async read(stackName: string): Promise<StackMarks> {
    const all = (await this.state.read<Record<string, StackMarks>>(MARKS_SECTION)) ?? {};
    return all[stackName] ?? {};
  }

  async write(stackName: string, patch: Partial<StackMarks>): Promise<void> {
    await this.state.update<Record<string, StackMarks>>(MARKS_SECTION, (all) => ({ ...(all ?? {}), [stackName]: { ...(all?.[stackName] ?? {}), ...patch } }));
  }
}
