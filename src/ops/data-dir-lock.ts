import fs from 'node:fs';
import path from 'node:path';

// The embedded database is a folder that exactly one process may open: a second one (another
// server, a backup copying it) would corrupt it. Whoever opens it leaves its pid in DATA_DIR.

const lockFile = (dataDir: string) => path.join(dataDir, 'psp.pid');

export class DataDirBusyError extends Error {}

/** The pid of the live process holding `dataDir`, or null. */
export function dataDirHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lockFile(dataDir), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    // EPERM: alive but someone else's; ESRCH: gone (a crash left the file behind).
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Claims `dataDir` for this process until it exits, or throws DataDirBusyError. */
export function claimDataDir(dataDir: string): () => void {
  const holder = dataDirHolder(dataDir);
  if (holder) throw new DataDirBusyError(`the embedded database in ${dataDir} is in use by process ${holder}; stop it first`);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(lockFile(dataDir), String(process.pid));
  const release = () => {
    try {
      if (fs.readFileSync(lockFile(dataDir), 'utf8').trim() === String(process.pid)) fs.rmSync(lockFile(dataDir));
    } catch {
      // already gone
    }
  };
  process.once('exit', release);
  return release;
}
