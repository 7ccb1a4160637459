// A vitest reporter: each test file's whole time — the harness, its imports, its hooks (a
// beforeAll that seeds a database) and its tests — written as JSON to $FILE_TIMES (default
// .tmp/file-times.json) for .ci/slowest.mjs. The JSON reporter's times cover the tests alone,
// so a file whose minute goes into its beforeAll looked fast there.
//   npx vitest run --reporter=default --reporter=./.ci/file-times.mjs
import fs from 'node:fs';
import path from 'node:path';

export default class FileTimes {
  rows = [];
  root = process.cwd();

  onInit(vitest) {
    this.root = vitest.config.root;
  }

  onTestModuleEnd(module) {
    const d = module.diagnostic();
    this.rows.push({
      name: path.relative(this.root, module.moduleId),
      seconds: (d.prepareDuration + d.collectDuration + d.duration) / 1000,
      importSeconds: d.collectDuration / 1000,
      tests: [...module.children.allTests()].length,
      state: module.state(),
    });
  }

  onTestRunEnd() {
    const out = process.env.FILE_TIMES || path.join(this.root, '.tmp', 'file-times.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(this.rows, null, 1));
  }
}
