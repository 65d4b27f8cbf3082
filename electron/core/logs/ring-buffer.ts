/**
 * A fixed-capacity FIFO: append is O(1) and overwrites the oldest item once full. Items are read
 * oldest-first by index, so queries walk it without copying.
 */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;

  private cap: number;

  constructor(capacity: number) {
    checkCapacity(capacity);
    this.cap = capacity;
    this.items = new Array<T | undefined>(capacity);
  }

  get capacity(): number {
    return this.cap;
  }

  /** Changes the capacity in place, keeping the newest items that fit (the setting changed while running). */
  resize(capacity: number): void {
    checkCapacity(capacity);
    if (capacity === this.cap) return;
    const kept = this.toArray().slice(-capacity);
    this.items = new Array<T | undefined>(capacity);
    for (let i = 0; i < kept.length; i++) this.items[i] = kept[i];
    this.cap = capacity;
    this.start = 0;
    this.count = kept.length;
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count < this.cap) {
      this.items[(this.start + this.count) % this.cap] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.cap;
    }
  }

  /** The i-th item, 0 = oldest. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.cap];
  }

  last(): T | undefined {
    return this.count ? this.at(this.count - 1) : undefined;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.start + i) % this.cap] as T;
  }

  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.start + i) % this.cap] as T;
    return out;
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.cap);
    this.start = 0;
    this.count = 0;
  }
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
}
