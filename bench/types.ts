/** One measured figure. `ratio`-kind results compare Gatehouse with a baseline measured side by side. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The budget; `better` says which side of it passes. null: a figure reported without a budget. */
  target: number | null;
  better: 'lower' | 'higher';
  /** How it was measured, in a few words (rounds, baseline). */
  detail: string;
}

export interface BenchModule {
  title: string;
  /** Whether the module can run here (e.g. needs Docker); a reason when not. */
  available(): Promise<true | string>;
  run(): Promise<BenchResult[]>;
}
