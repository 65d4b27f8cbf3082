import { useEffect, useRef, useState } from 'react';
import type { LogEntry } from '../../../shared/api';
import { call } from '../bridge';
import { formatTime } from '../format';
import { useAction } from '../state/hooks';

/** What app:copy-text accepts in one call. */
const COPY_LIMIT = 2048;

/** One log line in full (a traceback with all its lines), to read and copy; Escape or Close returns to the log. */
export function LogLineDetail({ entry, onClose }: { entry: LogEntry; onClose: () => void }) {
  const text = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    setCopied(null);
    text.current?.focus();
  }, [entry]);

  const copy = useAction(async () => {
    await call('app:copy-text', entry.message.slice(0, COPY_LIMIT));
    setCopied(entry.message.length > COPY_LIMIT ? `Copied the first ${COPY_LIMIT.toLocaleString()} characters.` : 'Copied.');
  });

  return (
    <section
      className="log-detail"
      aria-label="Full log line"
      data-testid="log-detail"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="log-detail-head">
        <span className="muted small">
          {formatTime(entry.time)} · {entry.level} · {entry.source}
        </span>
        <span className="row">
          <span className="muted small" role="status">
            {copied}
          </span>
          <button className="btn btn-small" onClick={() => void copy.run()}>
            Copy line
          </button>
          <button className="btn btn-small" onClick={onClose}>
            Close
          </button>
        </span>
      </div>
      <pre className="log-detail-text" tabIndex={0} ref={text} data-testid="log-detail-text">
        {entry.message}
      </pre>
    </section>
  );
}
