/** One section of the benchmark: it prints its figures and never passes or fails. */
export interface Section {
  /** What `--only` takes (or the section's number). */
  name: string;
  /** The module under bench/ whose default export runs it. */
  module: string;
  title: string;
  /** One line of what it measures, for `--help`. */
  summary: string;
}

export interface SectionContext {
  /** `--quick`: smaller workloads, fewer setups. */
  quick: boolean;
  print(line?: string): void;
}

export type SectionRun = (context: SectionContext) => Promise<void>;
