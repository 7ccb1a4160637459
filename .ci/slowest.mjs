// Prints the slowest test files and the total, so that a slow CI run says where its minutes went.
// Reads the file-times reporter's JSON (.ci/file-times.mjs: import, hooks and tests of each file);
// a vitest JSON report (`--reporter=json`) is read too, but its times leave out imports and hooks.
//   node .ci/slowest.mjs FILE [N]
import fs from 'node:fs';
import path from 'node:path';

const [file, count = '15'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node .ci/slowest.mjs FILE_TIMES_JSON|VITEST_JSON [N]');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const files = Array.isArray(report)
  ? report.map((r) => ({ ...r, status: r.state }))
  : (report.testResults ?? []).map((r) => ({
    name: path.relative(process.cwd(), r.name),
    seconds: Math.max(0, (r.endTime ?? r.startTime ?? 0) - (r.startTime ?? 0)) / 1000,
    tests: (r.assertionResults ?? []).length,
    status: r.status,
  }));
files.sort((a, b) => b.seconds - a.seconds);
const total = files.reduce((s, f) => s + f.seconds, 0);
const imports = files.reduce((s, f) => s + (f.importSeconds ?? 0), 0);
console.log(`slowest test files (of ${files.length}; ${total.toFixed(0)} s summed over the workers${imports ? `, ${imports.toFixed(0)} s of it importing` : ''}):`);
for (const f of files.slice(0, Number(count))) {
  const imported = f.importSeconds === undefined ? '' : `, ${f.importSeconds.toFixed(1)} s importing`;
  console.log(`  ${f.seconds.toFixed(1).padStart(7)} s  ${f.name} (${f.tests} tests${imported}${f.status === 'passed' ? '' : `, ${f.status}`})`);
}
