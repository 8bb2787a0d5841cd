/** Runs one section of the benchmark in this process: `section-main.ts <module> [--quick]` (see run.ts). */
import type { SectionRun } from './section.js';

const [module, ...flags] = process.argv.slice(2);
const { default: run } = (await import(`./${module}.js`)) as { default: SectionRun };
await run({ quick: flags.includes('--quick'), print: (line = '') => console.log(line) });
