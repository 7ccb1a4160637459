// Prints the slowest test files of a vitest JSON report (`--reporter=json --outputFile.json=FILE`),
// and the total, so that a slow CI run says where its minutes went.
//   node .ci/slowest.mjs FILE [N]
import fs from 'node:fs';
import path from 'node:path';

const [file, count = '15'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node .ci/slowest.mjs VITEST_JSON [N]');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const files = (report.testResults ?? []).map((r) => ({
  name: path.relative(process.cwd(), r.name),
  seconds: Math.max(0, (r.endTime ?? r.startTime ?? 0) - (r.startTime ?? 0)) / 1000,
  tests: (r.assertionResults ?? []).length,
  status: r.status,
}));
files.sort((a, b) => b.seconds - a.seconds);
const total = files.reduce((s, f) => s + f.seconds, 0);
console.log(`slowest test files (of ${files.length}; ${total.toFixed(0)} s summed over the workers):`);
for (const f of files.slice(0, Number(count))) {
  console.log(`  ${f.seconds.toFixed(1).padStart(7)} s  ${f.name} (${f.tests} tests${f.status === 'passed' ? '' : `, ${f.status}`})`);
}
