// A child process for process-lock.test.ts: on each message it takes the lock, proves it is alone
// inside (an O_EXCL marker file), holds it a moment, releases it and reports.
import fs from 'node:fs';
import { ProcessLock } from '../../electron/core/process-lock';

interface Order {
  trial: number;
  lockFile: string;
  insideFile: string;
}

process.on('message', (order: Order) => {
  void (async () => {
    const lock = new ProcessLock(order.lockFile, undefined, { pollMs: 20 });
    const release = await lock.acquire(`trial-${order.trial}`, AbortSignal.timeout(20_000));
    let overlap = false;
    try {
      fs.writeFileSync(order.insideFile, String(process.pid), { flag: 'wx' });
    } catch {
      overlap = true;
    }
    await new Promise((r) => setTimeout(r, 15));
    if (!overlap) fs.rmSync(order.insideFile, { force: true });
    await release();
    process.send?.({ trial: order.trial, overlap });
  })().catch((err: unknown) => process.send?.({ trial: order.trial, error: String(err) }));
});
process.send?.({ ready: true });
