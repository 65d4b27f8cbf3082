import { useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { SwarmMembership } from '../../../shared/api';
import { ConfirmDialog } from '../a11y/ConfirmDialog';
import { focusSoon, VIEW_TITLE_ID } from '../a11y/focus';
import { call } from '../bridge';
import { Button } from '../components';
import { useAction } from '../state/hooks';

interface Props {
  /** After the engine is a manager (the retry of the start that failed, a fresh membership). */
  onInitialized: (membership: SwarmMembership) => unknown;
  /** What happens next, said in the confirmation (e.g. "Then the start is tried again."). */
  next?: string;
  /** Where focus goes once it is done (the opener is usually gone by then); default the view's heading. */
  focusAfter?: () => HTMLElement | null;
}

/**
 * "Make this engine a single-node swarm", the app's `gatehouse swarm init`: it asks first, saying
 * what `docker swarm init --advertise-addr 127.0.0.1` does to the engine and how to undo it, and
 * only then calls swarm:init (the core's initSingleNodeSwarm; a manager is left as it is).
 */
export function SwarmInitAction({ onInitialized, next, focusAfter }: Props) {
  const opener = useRef<HTMLButtonElement>(null);
  const [asking, setAsking] = useState(false);

  const init = useAction(async () => {
    try {
      const { membership } = await call('swarm:init');
      await onInitialized(membership);
    } finally {
      // Only when focus was lost (the notice holding the button is gone): never pull it from where the user moved it.
      focusSoon(() => (document.activeElement && document.activeElement !== document.body ? null : (opener.current ?? focusAfter?.() ?? document.getElementById(VIEW_TITLE_ID))));
    }
  });

  function confirm() {
    setAsking(false);
    // The dialog is gone: focus back on the button, which says it is working.
    focusSoon(() => opener.current);
    void init.run();
  }

  return (
    <>
      <Button type="button" ref={opener} inactive={init.busy} onClick={() => setAsking(true)} aria-busy={init.busy || undefined} data-testid="swarm-init">
        {init.busy ? 'Making this engine a single-node swarm…' : 'Make this engine a single-node swarm'}
      </Button>
      {asking &&
        // Outside the error notice's live region (and outside any form): the dialog is announced as a dialog, once.
        createPortal(
          <ConfirmDialog
            title="Make this Docker engine a single-node swarm?"
            confirmLabel="Make it a swarm"
            onConfirm={confirm}
            onCancel={() => setAsking(false)}
            returnFocus={opener}
            testId="swarm-init-dialog"
          >
            <p>
              Gatehouse runs <code>docker swarm init --advertise-addr 127.0.0.1</code> on this engine: it becomes the manager of a new swarm
              whose only node is itself, listening for other nodes on 127.0.0.1 only, so no other machine can join. Running containers keep
              running; Docker adds the swarm&apos;s own networks (ingress, docker_gwbridge).
            </p>
            <p>The gateway then runs as a Swarm service, its key a Swarm secret (encrypted by the swarm, given to the gateway only as a file in memory).{next ? ` ${next}` : ''}</p>
            <p>
              To undo it: <code>docker swarm leave --force</code>. That removes every Swarm service and secret on this engine, Gatehouse&apos;s
              too; set Target back to &quot;Container&quot; first.
            </p>
          </ConfirmDialog>,
          document.body,
        )}
    </>
  );
}
