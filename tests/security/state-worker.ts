// A child process for state-store.test.ts: increments one counter in state.json N times.
import { StateStore } from '../../electron/core/state-store';

const [home, times] = process.argv.slice(2) as [string, string];
const state = new StateStore({ home });
void (async () => {
  for (let i = 0; i < Number(times); i++) await state.update<number>('counter', (n) => (n ?? 0) + 1);
})();
