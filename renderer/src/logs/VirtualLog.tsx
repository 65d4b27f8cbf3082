import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LogEntry } from '../../../shared/api';
import { LogLineDetail } from './LogLineDetail';
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
 * their first line and a count. From the keyboard, the arrow keys move a cursor over the lines
 * and Enter opens the cursor's line in full below the log (a click does the same), where it can
 * be read and copied.
 */
export function VirtualLog({ store, rows, follow, onFollowChange, search, current, matchSet, jump }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const programmatic = useRef(false);
  const [cursor, setCursor] = useState(-1);
  const [detail, setDetail] = useState<LogEntry | null>(null);
  const cursorRow = cursor >= 0 && cursor < rows.length ? cursor : -1;

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

  function scrollToRow(r: number) {
    const el = ref.current;
    if (!el) return;
    const top = r * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }

  function onKeyDown(e: React.KeyboardEvent) {
    if (rows.length === 0) return;
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    // With no cursor yet, the first arrow lands on the last line shown.
    const from = cursorRow >= 0 ? cursorRow : Math.min(rows.length - 1, Math.floor((scrollTop + height) / ROW_HEIGHT) - 1);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = cursorRow >= 0 ? from + 1 : from;
    else if (e.key === 'ArrowUp') next = cursorRow >= 0 ? from - 1 : from;
    else if (e.key === 'PageDown') next = from + page;
    else if (e.key === 'PageUp') next = from - page;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    else if (e.key === 'Enter' && cursorRow >= 0) {
      e.preventDefault();
      setDetail(store.at(rows[cursorRow]!) ?? null);
      return;
    } else if (e.key === 'Escape' && detail) {
      e.preventDefault();
      setDetail(null);
      return;
    }
    if (next === null) return;
    e.preventDefault();
    next = Math.max(0, Math.min(rows.length - 1, next));
    if (follow && next !== rows.length - 1) onFollowChange(false);
    setCursor(next);
    scrollToRow(next);
  }

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
    items.push(<Row key={r % slots} row={r} entry={e} search={search} hit={matchSet.has(r)} current={r === current} cursor={r === cursorRow} />);
  }
  const cursorEntry = cursorRow >= 0 ? store.at(rows[cursorRow]!) : undefined;

  function onClick(e: React.MouseEvent) {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.log-row');
    if (!row) return;
    const r = Number(row.dataset.row);
    setCursor(r);
    setDetail(store.at(rows[r]!) ?? null);
  }

  return (
    <>
      <div
        className="log-scroller"
        ref={ref}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        onClick={onClick}
        tabIndex={0}
        role="log"
        aria-label={`Gateway log, ${rows.length} lines`}
        aria-describedby="log-keys"
        aria-live="off"
        data-testid="log-scroller"
      >
        <div className="log-spacer" style={{ height: rows.length * ROW_HEIGHT }}>
          {items}
        </div>
      </div>
      <p className="sr-only" id="log-keys">
        Arrow keys choose a line; Enter shows it in full.
      </p>
      {/* The line under the cursor, spoken as the user moves it (user-paced, not as lines arrive). */}
      <p className="sr-only" aria-live="polite" data-testid="log-cursor">
        {cursorEntry ? `Line ${cursorRow + 1} of ${rows.length}: ${cursorEntry.level}, ${cursorEntry.message.split('\n', 1)[0]}` : ''}
      </p>
      {detail && (
        <LogLineDetail
          entry={detail}
          onClose={() => {
            setDetail(null);
            ref.current?.focus();
          }}
        />
      )}
    </>
  );
}

function Row({ row, entry, search, hit, current, cursor }: { row: number; entry: LogEntry; search: string; hit: boolean; current: boolean; cursor: boolean }) {
  const nl = entry.message.indexOf('\n');
  const firstLine = nl >= 0 ? entry.message.slice(0, nl) : entry.message;
  const more = nl >= 0 ? entry.message.split('\n').length - 1 : 0;
  const time = entry.time.length >= 19 ? entry.time.slice(11, 19) : entry.time;
  return (
    <div
      className={`log-row level-${entry.level}${hit ? ' hit' : ''}${current ? ' current' : ''}${cursor ? ' cursor' : ''}`}
      style={{ transform: `translateY(${row * ROW_HEIGHT}px)` }}
      title={more ? entry.message : undefined}
      data-seq={entry.seq}
      data-row={row}
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
