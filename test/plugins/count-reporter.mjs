// Counts passed / failed / skipped browser tests and writes them as JSON to RTC_RESULTS_FILE, so
// scripts/test.mjs can print one `N passed, N failed` line summing every runner.
import { writeFileSync } from 'node:fs';

function count(suite, acc) {
  for (const t of suite.tests ?? []) {
    if (t.skipped) acc.skipped++;
    else if (t.passed) acc.passed++;
    else acc.failed++;
  }
  for (const s of suite.suites ?? []) count(s, acc);
}

export function countReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const acc = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        if (session.testResults) count(session.testResults, acc);
        // A file that failed to load or threw outside a test is a failure even with no test result.
        if (!session.passed && (session.errors?.length ?? 0) > 0) acc.failed++;
      }
      const file = process.env.RTC_RESULTS_FILE;
      if (file) writeFileSync(file, JSON.stringify(acc));
    },
  };
}
