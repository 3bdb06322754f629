// node:test reporter that writes { passed, failed, skipped } as JSON (leaf tests only, not suites).
export default async function* countReporter(source) {
  const acc = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') {
      // A suite that failed outside its tests (a hook, a load error) still counts as a failure.
      if (event.type === 'test:fail' && event.data.details?.error?.failureType !== 'subtestsFailed') acc.failed++;
      continue;
    }
    if (event.data.skip || event.data.todo) acc.skipped++;
    else if (event.type === 'test:pass') acc.passed++;
    else acc.failed++;
  }
  yield JSON.stringify(acc);
}
