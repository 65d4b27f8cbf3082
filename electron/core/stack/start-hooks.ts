import { isGatehouseError } from '../errors';
import type { GatewayService } from '../services/gateway';
import type { StackPlan } from '../services/gateway-plan';
import type { EnsureHooks } from '../services/service-spec';
import type { StackProgress } from './progress';
import type { StackMarks } from './status';

/** What the start's rules around the gateway's lifecycle work with. */
export interface StartContext {
plan: StackPlan;
/** What Gatehouse remembered about the stack when the start began. */
marks: StackMarks;
/** Whether the plan's image is on this machine. */
hasImage: boolean;
signal: AbortSignal;
gateway: GatewayService;
write(patch: Partial<StackMarks>): Promise<void>;
progress: StackProgress;
ensureImage(): Promise<void>;
ensureBase(): Promise<unknown>;
}

/** The stack's rules around the gateway's lifecycle during a start: status lines, marks, an unsafe container kept. */
export function gatewayStartHooks(ctx: StartContext): EnsureHooks {
  const { plan, marks, hasImage, signal, gateway, write, progress } = ctx;
  const markUnsafe = async (id: string, err: unknown): Promise<boolean> => {
    if (!isGatehouseError(err, 'GATEWAY_UNSAFE')) return false;
    await write({ unsafe: { containerId: id, detail: err.message } });
    return true;
  };
  return {
    extraDifferences: (existing) => (marks.unsafe?.containerId === existing.Id ? ['it failed the safety check before'] : []),
    step: async (phase, why) => {
      if (phase === 'verify-running') progress.set(plan, 'starting', 'The gateway is running; checking its health.');
      if (phase === 'start-existing') {
        if (marks.stoppedByUser) await write({ stoppedByUser: null });
        progress.set(plan, 'starting', 'Starting the existing gateway container.');
      }
      if (phase === 'create') {
        if (!hasImage) {
          await ctx.ensureImage();
          await gateway.inspectImage(plan, signal); // the pulled image's own healthcheck
        }
        progress.set(plan, 'starting', 'Creating the stack.');
      }
      if (phase === 'created') {
        if (marks.stoppedByUser || marks.unsafe) await write({ stoppedByUser: null, unsafe: null });
        progress.set(plan, 'starting', 'Waiting for the gateway to become healthy.');
      }
      if (phase === 'recreate') {
        await ctx.ensureImage();
        if (!hasImage) await gateway.inspectImage(plan, signal); // the pulled image's own healthcheck
        progress.set(plan, 'starting', `Recreating the gateway: ${(why ?? []).join('; ')}.`);
        await ctx.ensureBase();
      }
    },
    // verify() stopped an open gateway; remember why. Any other failure leaves it as it was.
    runningFailed: async (id, err) => void (await markUnsafe(id, err)),
    // An unsafe container is kept, stopped, and marked (status "unsafe"); any other container
    // this attempt created is removed; an existing one is stopped again.
    failed: async (id, err, createdHere) => {
      if (await markUnsafe(id, err)) return true;
      // Cleanup runs even when the start was cancelled: no signal here.
      if (createdHere) await gateway.removeContainer(id).catch(() => undefined);
      else {
        await write({ stoppedByUser: id });
        await gateway.stopContainer(id, 2).catch(() => undefined);
      }
      return false;
    },
    settingAside: async (old) => write({ stoppedByUser: old.Id }),
    restoring: async () => write({ stoppedByUser: null }),
    replaced: async () => write({ stoppedByUser: null, unsafe: null }),
  };
}
