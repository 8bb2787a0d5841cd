import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The run's report, written to a temporary file beside its final path and renamed over it only
 * at the end: a run that fails part-way leaves the previous report as it was. Each append is one
 * awaited write, which is all the back-pressure a file needs.
 */
export class ReportFile {
  private constructor(
    readonly path: string,
    private readonly temporaryPath: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<ReportFile> {
    // Same directory, so the final rename never crosses file systems and stays atomic.
    const temporaryPath = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    return new ReportFile(path, temporaryPath, await open(temporaryPath, 'wx'));
  }

  /** Appends one JSON line per value. */
  async append(values: unknown[]): Promise<void> {
    if (values.length === 0) return;
    await this.handle.writeFile(values.map((value) => `${JSON.stringify(value)}\n`).join(''));
  }

  /** Flushes the report to disk and puts it in place of the previous one. */
  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.temporaryPath, this.path);
  }

  /** Drops the temporary file; the previous report stays. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temporaryPath, { force: true });
  }
}
