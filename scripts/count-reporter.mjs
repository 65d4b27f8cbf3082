// node:test reporter that writes one JSON line with the suite's totals, so that
// scripts/run-tests.mjs can sum passed/failed/skipped over every suite.
export default async function* countReporter(source) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Count leaf tests only: a describe()/file wrapper reports its own pass/fail too.
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:fail') totals.failed++;
    else if (event.data.skip !== undefined || event.data.todo !== undefined) totals.skipped++;
    else totals.passed++;
  }
  yield JSON.stringify(totals) + '\n';
}
