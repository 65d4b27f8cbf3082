import { GatehouseError } from '../errors';
import { LABELS } from '../engine/labels';
import type { CallOptions, DockerEngine } from '../engine/types';
import type { StateStore } from '../state-store';

/** The state.json section listing the image IDs known to hold /bin/sh. */
const SECTION = 'swarmImagesWithShell';
/** Enough for every image a user switches between; the oldest IDs drop out first. */
const KEEP = 32;

function noShell(image: string): GatehouseError {
  return new GatehouseError(
    'SETTINGS_INVALID',
    `The image ${image} has no /bin/sh, which swarm mode needs to read the key from its Swarm secret file before the image's entrypoint runs.`,
    'Use an image with a shell (the seed image has one), or `gatehouse settings set target container`.',
  );
}

/**
 * Whether an image has /bin/sh (the wrapper needs it), looked at in a throwaway container that
 * never starts (create, stat, remove: 130–420 ms). An image ID is the hash of its content, so an ID
 * once seen with a shell always has one: those IDs are kept in the state store and not looked at
 * again. Only the positive answer is kept (an image without a shell is refused each time, plainly).
 */
export class ShellCheck {
  constructor(
    private readonly engine: DockerEngine,
    private readonly state?: StateStore,
  ) {}

  /** True when `imageId` is known to hold /bin/sh (no Docker call). */
  async known(imageId: string): Promise<boolean> {
    return ((await this.state?.read<string[]>(SECTION).catch(() => undefined)) ?? []).includes(imageId);
  }

  /** Refuses (SETTINGS_INVALID) an image without /bin/sh; `image` names it in the error, `imageId` is what is remembered. */
  async require(stackName: string, image: string, imageId: string, options?: CallOptions): Promise<void> {
    if (await this.known(imageId)) return;
    const signal = options?.signal;
    const id = await this.engine.createContainer(
      { name: `${stackName}-shell-check-${process.pid}-${Date.now().toString(36)}`, Image: imageId, Entrypoint: ['/bin/sh'], Cmd: [], Labels: { [LABELS.stack]: stackName } },
      { signal, action: 'look for a shell in the image' },
    );
    try {
      if (!(await this.engine.statPath(id, '/bin/sh', { signal }))) throw noShell(image);
    } finally {
      await this.engine.removeContainer(id).catch(() => undefined);
    }
    // A cache only: a state file that cannot be written costs the next start one more look.
    await this.state?.update<string[]>(SECTION, (ids) => [...(ids ?? []).filter((x) => x !== imageId), imageId].slice(-KEEP)).catch(() => undefined);
  }
}
