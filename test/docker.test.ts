import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { envKeys } from '../src/env.ts';

// docker-compose.yml cannot be run here (no Docker engine), so its structure is checked, and every
// variable it hands the app must be one src/env.ts reads (a typo would be silently ignored).

const root = path.resolve(import.meta.dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

type Yaml = string | null | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

/** The YAML subset docker-compose.yml uses: block maps and lists, quoted and plain scalars, flow lists. */
function parseYaml(text: string): Yaml {
  const lines = text.split('\n').map((raw, n) => ({ n: n + 1, indent: raw.length - raw.trimStart().length, body: stripComment(raw).trim() })).filter((l) => l.body !== '');
  let i = 0;
  const block = (indent: number): Yaml => {
    if (lines[i].body.startsWith('- ') || lines[i].body === '-') {
      const list: Yaml[] = [];
      while (i < lines.length && lines[i].indent === indent && lines[i].body.startsWith('-')) {
        const rest = lines[i].body.slice(1).trim();
        i++;
        if (rest) list.push(scalar(rest));
        else list.push(i < lines.length && lines[i].indent > indent ? block(lines[i].indent) : null);
      }
      return list;
    }
    const map: YamlMap = {};
    while (i < lines.length && lines[i].indent === indent) {
      const l = lines[i];
      const m = /^("[^"]*"|'[^']*'|[^:'"\s][^:]*?):(?:\s+(.*))?$/.exec(l.body);
      if (!m) throw new Error(`line ${l.n}: not a key: ${l.body}`);
      const key = m[1].replace(/^["']|["']$/g, '');
      if (key in map) throw new Error(`line ${l.n}: duplicate key ${key}`);
      i++;
      if (m[2] !== undefined && m[2] !== '') map[key] = scalar(m[2]);
      else map[key] = i < lines.length && lines[i].indent > indent ? block(lines[i].indent) : null;
    }
    if (i < lines.length && lines[i].indent > indent) throw new Error(`line ${lines[i].n}: unexpected indentation`);
    return map;
  };
  const result = block(lines[0].indent);
  if (i !== lines.length) throw new Error(`line ${lines[i].n}: not parsed`);
  return result;
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function scalar(s: string): Yaml {
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new Error(`unterminated flow list: ${s}`);
    const items: string[] = [];
    let cur = '';
    let quote: string | null = null;
    for (const c of s.slice(1, -1)) {
      if (quote) { cur += c; if (c === quote) quote = null; continue; }
      if (c === '"' || c === "'") { quote = c; cur += c; } else if (c === ',') { items.push(cur.trim()); cur = ''; } else cur += c;
    }
    if (cur.trim()) items.push(cur.trim());
    return items.map((x) => scalar(x));
  }
  if (s.startsWith('"')) return JSON.parse(s) as string;
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

const asMap = (y: Yaml | undefined): YamlMap => {
  if (!y || typeof y !== 'object' || Array.isArray(y)) throw new Error(`not a map: ${JSON.stringify(y)}`);
  return y;
};
const asList = (y: Yaml | undefined): Yaml[] => {
  if (!Array.isArray(y)) throw new Error(`not a list: ${JSON.stringify(y)}`);
  return y;
};

const compose = asMap(parseYaml(read('docker-compose.yml')));
const services = asMap(compose.services);

describe('the YAML reader', () => {
  it('reads maps, lists, quoted and flow values and comments, and refuses what it does not know', () => {
    expect(parseYaml('a:\n  b: "x # y" # c\n  l:\n    - 1\n    - \'q\'\n  f: ["A", b]\n  e:\n')).toEqual({ a: { b: 'x # y', l: ['1', 'q'], f: ['A', 'b'], e: null } });
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow(/duplicate/);
    expect(() => parseYaml('a: 1\n    b: 2\n')).toThrow();
  });
});

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 16 on a named volume, with a pg_isready health check', () => {
    const pg = asMap(services.postgres);
    expect(String(pg.image)).toMatch(/^postgres:16(\.|-|$)/);
    const volumes = asList(pg.volumes).map(String);
    const data = volumes.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    const volumeName = data!.split(':')[0];
    expect(volumeName).toMatch(/^[a-z][a-z0-9_-]*$/); // a name, not a host path
    expect(Object.keys(asMap(compose.volumes))).toContain(volumeName);
    expect(asList(asMap(pg.healthcheck).test).join(' ')).toContain('pg_isready');
  });

  it('runs migrations once, after PostgreSQL is healthy, before any app replica', () => {
    const migrate = asMap(services.migrate);
    expect(asList(migrate.command).join(' ')).toBe('npm run db:migrate');
    expect(migrate.restart).toBe('no');
    expect(asMap(asMap(migrate.depends_on).postgres).condition).toBe('service_healthy');
    const app = asMap(services.app);
    expect(asMap(asMap(app.depends_on).migrate).condition).toBe('service_completed_successfully');
    expect(app.image).toBe(migrate.image);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['db:migrate']).toMatch(/src\/cli\/migrate\.ts/);
  });

  it('runs two app replicas with a /readyz health check, a grace period longer than the shutdown timeout', () => {
    const app = asMap(services.app);
    expect(Number(asMap(app.deploy).replicas)).toBe(2);
    expect(app.ports).toBeUndefined(); // two replicas cannot publish one host port: the proxy does
    const check = asList(asMap(app.healthcheck).test).map(String);
    expect(check.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(check[3]).toContain('/readyz');
    const env = asMap(app.environment);
    expect(parseInt(String(app.stop_grace_period), 10)).toBeGreaterThan(Number(env.SHUTDOWN_TIMEOUT));
  });

  it('passes the app only variables that src/env.ts reads, and the ones production needs', () => {
    const known = new Set<string>(envKeys);
    for (const name of ['app', 'migrate']) {
      const env = asMap(asMap(services[name]).environment);
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      expect(unknown, `${name} passes variables the app never reads`).toEqual([]);
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/psp:\$\{POSTGRES_PASSWORD\}@postgres:5432\/psp$/);
      expect(env.NODE_ENV).toBe('production');
    }
    const env = asMap(asMap(services.app).environment);
    expect(String(env.SESSION_SECRET)).toMatch(/^\$\{SESSION_SECRET:\?/); // required, never a default
    expect(env.TRUST_PROXY).toBe('1');
    expect(env.SEED_DEMO).toBe('0');
  });

  it('the reverse proxy, if present, is the only service publishing a port', () => {
    const published = Object.entries(services).filter(([, s]) => asMap(s).ports !== undefined).map(([n]) => n);
    expect(published).toEqual(['proxy']);
    const conf = asList(asMap(services.proxy).volumes).map(String).find((v) => v.includes('nginx'))!;
    expect(fs.existsSync(path.join(root, conf.split(':')[0]))).toBe(true);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  it('is multi-stage on node:20-bookworm-slim, installs with npm ci --omit=dev, and runs as a non-root user', () => {
    const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toBe('node:20-bookworm-slim');
    expect(text).toMatch(/^RUN npm ci --omit=dev/m);
    const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    expect(text).toMatch(/^CMD \["node", "--import", "tsx", "src\/server\.ts"\]/m);
    for (const dir of ['src', 'migrations', 'seeds', 'views', 'public']) expect(text).toMatch(new RegExp(`^COPY ${dir} `, 'm'));
  });

  it('everything the app imports at run time is a production dependency (npm ci --omit=dev installs it)', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; scripts: Record<string, string> };
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          for (const m of read(p).matchAll(/(?:from\s+|import\s*\(\s*)'([^'.][^']*)'/g)) {
            if (m[1].startsWith('node:')) continue;
            imported.add(m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0]);
          }
        }
      }
    };
    for (const d of ['src', 'migrations', 'seeds']) walk(d);
    expect(imported.size).toBeGreaterThan(5);
    const missing = [...imported].filter((p) => !(p in pkg.dependencies));
    expect(missing).toEqual([]);
    expect(pkg.dependencies.tsx).toBeDefined(); // `npm start` and the image's CMD run the sources with tsx
    expect(pkg.scripts.start).toMatch(/^tsx /);
  });

  it('.dockerignore keeps dependencies, local data and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'data', '.git', '.env']) expect(ignored).toContain(p);
  });
});

describe('README, section Production', () => {
  it('explains every variable the app reads', () => {
    const readme = read('README.md');
    const doc = readme.slice(readme.indexOf('## Production'));
    const missing = envKeys.filter((k) => !doc.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});
