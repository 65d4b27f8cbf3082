import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LogEntry } from '../../../shared/api';
import type { LogStore } from './log-store';

export const ROW_HEIGHT = 22;
// A few rows beyond the viewport hide the gap while a fast scroll catches up, without paying
// for many off-screen rows every frame.
const OVERSCAN = 6;

interface Props {
  store: LogStore;
  rows: readonly number[];
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  search: string;
  /** Row position of the current search match, or -1. */
  current: number;
  matchSet: ReadonlySet<number>;
  /** Bumped by the parent to scroll `current` into view. */
  jump: number;
}

/**
 * A virtualised list with fixed row height: only the ~40 visible rows exist in the DOM, so the
 * cost of a frame is the same for 100 lines and 100,000. Multi-line entries (tracebacks) show
 * their first line and a count; the full text is in the row's title.
 */
export function VirtualLog({ store, rows, follow, onFollowChange, search, current, matchSet, jump }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const programmatic = useRef(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Follow: stick to the bottom as rows arrive.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow) return;
    const bottom = Math.max(0, rows.length * ROW_HEIGHT - el.clientHeight);
    if (Math.abs(el.scrollTop - bottom) > 1) {
      programmatic.current = true;
      el.scrollTop = bottom;
      setScrollTop(el.scrollTop);
    }
  }, [rows.length, follow, height]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || current < 0) return;
    const top = current * ROW_HEIGHT;
    if (top < el.scrollTop || top > el.scrollTop + el.clientHeight - ROW_HEIGHT) {
      programmatic.current = true;
      el.scrollTop = Math.max(0, top - el.clientHeight / 2);
      setScrollTop(el.scrollTop);
    }
  }, [jump, current]);

  function onScroll() {
    const el = ref.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
    // Scrolling up pauses follow; scrolling back to the bottom resumes it.
    if (follow && !atBottom) onFollowChange(false);
    else if (!follow && atBottom) onFollowChange(true);
  }

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  // The most rows ever drawn at once; keys are row numbers modulo this, so they are unique on
  // screen and the same keys come back after any scroll.
  const slots = Math.ceil(height / ROW_HEIGHT) + 1 + 2 * OVERSCAN;
  const items = [];
  for (let r = first; r < last; r++) {
    const e = store.at(rows[r]!);
    if (!e) continue;
    // Keyed by slot, not by line: scrolling reuses the same few dozen DOM rows and only changes
    // their text, instead of creating and dropping a screenful of nodes every frame.
    items.push(<Row key={r % slots} entry={e} top={r * ROW_HEIGHT} search={search} hit={matchSet.has(r)} current={r === current} />);
  }

  return (
    <div
      className="log-scroller"
      ref={ref}
      onScroll={onScroll}
      tabIndex={0}
      role="log"
      aria-label={`Gateway log, ${rows.length} lines`}
      aria-live="off"
      data-testid="log-scroller"
    >
      <div className="log-spacer" style={{ height: rows.length * ROW_HEIGHT }}>
        {items}
      </div>
    </div>
  );
}

function Row({ entry, top, search, hit, current }: { entry: LogEntry; top: number; search: string; hit: boolean; current: boolean }) {
  const nl = entry.message.indexOf('\n');
  const firstLine = nl >= 0 ? entry.message.slice(0, nl) : entry.message;
  const more = nl >= 0 ? entry.message.split('\n').length - 1 : 0;
  const time = entry.time.length >= 19 ? entry.time.slice(11, 19) : entry.time;
  return (
    <div
      className={`log-row level-${entry.level}${hit ? ' hit' : ''}${current ? ' current' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      title={more ? entry.message : undefined}
      data-seq={entry.seq}
    >
      <span className="log-time">{time}</span>
      <span className={`log-level lv-${entry.level}`}>{entry.level}</span>
      <span className="log-source">{entry.source}</span>
      <span className="log-msg">
        {hit && search ? highlight(firstLine, search) : firstLine}
        {more > 0 && <span className="log-more"> +{more} lines</span>}
      </span>
    </div>
  );
}

function highlight(text: string, needle: string) {
  const out = [];
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  let at = 0;
  let i = lower.indexOf(n);
  let k = 0;
  while (i >= 0 && n.length > 0) {
    if (i > at) out.push(text.slice(at, i));
    out.push(<mark key={k++}>{text.slice(i, i + n.length)}</mark>);
    at = i + n.length;
    i = lower.indexOf(n, at);
  }
  out.push(text.slice(at));
  return out;
}
