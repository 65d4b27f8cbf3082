import { useEffect, useRef, useState } from 'react';
import type { ClipboardState } from '../../../../shared/api';
import { announcedMark } from '../../a11y/countdown';

/**
 * The key's time on the clipboard: a bar and a line that count down every second, and a separate
 * live region that speaks only at the start, every 10 s and at the end.
 */
export function ClipboardCountdown({ clip, total }: { clip: ClipboardState | null; total: number }) {
  const [now, setNow] = useState(Date.now());
  const wasActive = useRef(false);
  const active = !!clip?.active;

  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [active]);

  const secondsLeft = active && clip?.clearsAt ? Math.max(0, Math.ceil((Date.parse(clip.clearsAt) - now) / 1000)) : 0;
  const mark = announcedMark(secondsLeft, total);
  let spoken = '';
  if (active) {
    spoken =
      mark >= total
        ? `The key is on the clipboard. It is cleared in ${total} seconds, or when Gatehouse quits, unless you copy something else.`
        : `${mark} seconds until the clipboard is cleared.`;
    wasActive.current = true;
  } else if (wasActive.current) {
    spoken = 'The key is no longer on the clipboard.';
  }

  return (
    <>
      {active && (
        <div className="countdown" data-testid="clipboard-countdown">
          <div className="countdown-bar" style={{ width: `${Math.min(100, (secondsLeft / total) * 100)}%` }} />
          The key is on the clipboard; it is cleared in {secondsLeft} s (or when Gatehouse quits), unless you copy something else.
        </div>
      )}
      <p className="sr-only" role="status" data-testid="clipboard-announcer">
        {spoken}
      </p>
    </>
  );
}
