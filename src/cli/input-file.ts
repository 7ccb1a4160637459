import fs from 'node:fs';

/** The one file a command is given (`npm run X -- path`): its text, or the usage and exit code 2. */
export function inputFileText(usage: string): string {
  return inputFileBytes(usage).toString('utf8');
}

/** The same file as bytes, for a reader that checks its encoding itself. */
export function inputFileBytes(usage: string): Buffer {
  const file = process.argv.slice(2).find((a) => a !== '--');
  if (!file) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    console.error(`cannot read ${file}: ${(e as Error).message}`);
    process.exit(2);
  }
}
