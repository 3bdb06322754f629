// Counts passed / failed / skipped browser tests, in all and per browser, and writes them as JSON
// to RTC_RESULTS_FILE, so scripts/test.mjs can print one `N passed, N failed` line summing every
// runner and check that each browser it asked for really ran.
import { writeFileSync } from 'node:fs';

function count(suite, acc) {
  for (const t of suite.tests ?? []) {
    if (t.skipped) acc.skipped++;
    else if (t.passed) acc.passed++;
    else acc.failed++;
  }
  for (const s of suite.suites ?? []) count(s, acc);
}

const zero = () => ({ passed: 0, failed: 0, skipped: 0, files: 0 });

export function countReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const acc = zero();
      const browsers = {};
      for (const session of sessions) {
        const mine = (browsers[session.browser.name] ??= zero());
        mine.files++;
        if (session.testResults) count(session.testResults, mine);
        // A file that failed to load or threw outside a test is a failure even with no test result.
        if (!session.passed && (session.errors?.length ?? 0) > 0) mine.failed++;
      }
      for (const b of Object.values(browsers)) for (const k of Object.keys(acc)) acc[k] += b[k];
      delete acc.files;
      const file = process.env.RTC_RESULTS_FILE;
      if (file) writeFileSync(file, JSON.stringify({ ...acc, browsers }));
    },
  };
}
