import { useCallback, useEffect, useRef, useState } from 'react';
import { call } from '../../bridge';
import { useAction } from '../../state/hooks';

/** How long a revealed key stays on screen. */
export const REVEAL_SECONDS = 30;

/**
 * The key on screen for REVEAL_SECONDS after an explicit click. The key is dropped when the view
 * goes away too, not only on the timer.
 */
export function useReveal(): { revealed: string | null; secondsLeft: number; toggle: () => void; hide: () => void } {
  const [revealed, setRevealed] = useState<string | null>(null);
  const [secondsLeft, setSecondsLeft] = useState(0);
  const timer = useRef<number | null>(null);

  const hide = useCallback(() => {
    if (timer.current) clearInterval(timer.current);
    timer.current = null;
    setRevealed(null);
    setSecondsLeft(0);
  }, []);

  useEffect(() => hide, [hide]);

  const reveal = useAction(async () => {
    const key = await call('key:reveal');
    setRevealed(key);
    setSecondsLeft(REVEAL_SECONDS);
    const started = Date.now();
    timer.current = window.setInterval(() => {
      const left = REVEAL_SECONDS - Math.floor((Date.now() - started) / 1000);
      if (left <= 0) hide();
      else setSecondsLeft(left);
    }, 250);
  });

  return { revealed, secondsLeft, toggle: () => (revealed ? hide() : void reveal.run()), hide };
}
