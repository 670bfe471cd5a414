import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The longest files, longest first. A clean clone has no timing cache, and vitest then starts big
// files first, which leaves short files with long end-to-end runs in them for last, with one core
// idle at the end. Starting these first keeps both workers busy to the finish.
const LONGEST_FIRST = [
  'test/main-job.test.ts',
  'test/techniques.test.ts',
  'test/affordance-sweep.test.ts',
  'test/viewer.test.ts',
  'test/report.test.ts',
  'test/micro-pipeline.test.ts',
  'test/sweep.test.ts',
  'test/inspect-export.test.ts',
  'test/fault-injection.test.ts',
  'test/crash-resume.test.ts',
  'test/sealing.test.ts',
  'test/trust.test.ts',
  'test/super-agent.test.ts',
  'test/bad-specs-cli.test.ts',
  'test/baseline-auditor.test.ts',
  'test/affordances.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((path) => file.moduleId.replaceAll('\\', '/').endsWith(`/${path}`));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Native SQLite handles and child processes are safer in forks than in worker threads.
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
  },
});
