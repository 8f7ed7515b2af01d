import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the closing lines CI reads: every file that failed with its first error (CI shows
 * only the tail of the log, where vitest's own report has scrolled away), then
 * "tests: N passed, N failed, N skipped". It fails the run if any test was skipped: a
 * skipped test hides a missing dependency, and the harness promises that missing services
 * fail loudly instead. A test skipped because its file's `beforeAll` threw counts as failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[], unhandled: readonly SerializedError[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const report: string[] = [];
    for (const m of modules) {
      const moduleFailed = m.state() === 'failed';
      const tests = [...m.children.allTests()];
      for (const t of tests) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed' || moduleFailed) failed++;
        else skipped++;
      }
      if (moduleFailed && tests.length === 0) failed++;
      if (!moduleFailed) continue;
      report.push(`FAILED ${m.moduleId.replace(`${process.cwd()}/`, '')}`);
      const errors = [...m.errors(), ...tests.flatMap((t) => t.result().errors ?? [])];
      for (const e of errors.slice(0, 3)) report.push(`  ${firstLines(e)}`);
    }
    for (const e of unhandled.slice(0, 3)) report.push(`UNHANDLED ${firstLines(e)}`);
    failed += unhandled.length;
    if (report.length > 0) console.log(`\n${report.join('\n')}`);
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    if (skipped > 0) {
      console.error('skipped tests are not allowed: fix or delete them');
      process.exitCode = 1;
    }
  }
}

function firstLines(e: SerializedError): string {
  const text = `${e.name ?? 'Error'}: ${e.message ?? ''}`.split('\n').slice(0, 6).join('\n    ');
  const at = (e.stack ?? '').split('\n').find((l) => l.includes('/tests/') || l.includes('.test.ts'));
  return at ? `${text}\n    ${at.trim()}` : text;
}
