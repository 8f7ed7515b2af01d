import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the closing line CI reads ("tests: N passed, N failed, N skipped") and fails
 * the run if any test was skipped: a skipped test hides a missing dependency, and
 * the harness promises that missing services fail loudly instead.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    if (skipped > 0) {
      console.error('skipped tests are not allowed: fix or delete them');
      process.exitCode = 1;
    }
  }
}
