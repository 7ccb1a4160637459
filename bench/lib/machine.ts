import os from 'node:os';
import type { Knex } from 'knex';
import { num } from '../../src/db.ts';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  totalMemoryGb: number;
  os: string;
  /** 1-minute load average when measured: other work on the machine skews every number. */
  loadAverage: number;
  node: string;
  postgres: string;
  /** How the app reaches PostgreSQL (Unix socket or TCP) and its shared_buffers. */
  postgresConnection: string;
  sharedBuffers: string;
  units: number;
  approvedUnits: number;
  filings: number;
  filingLines: number;
  periods: { from: string | null; to: string | null; count: number };
}

/** What the numbers were measured on: the host and the size of the data. */
export async function describeMachine(k: Knex): Promise<Machine> {
  const cpus = os.cpus();
  const version = String((await k.raw('select version() as v')).rows[0].v);
  const server = (await k.raw(`select inet_server_addr() as addr, inet_server_port() as port, current_setting('shared_buffers') as shared_buffers`)).rows[0];
  const counts = (await k.raw(
    `select (select count(*) from units) as units,
            (select count(*) from units where registration = 'approved') as approved,
            (select count(*) from filings) as filings,
            (select count(*) from filing_lines) as lines,
            (select min(period) from filings) as first_period,
            (select max(period) from filings) as last_period,
            (select count(distinct period) from filings) as periods`,
  )).rows[0];
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
    node: process.version,
    postgres: version.split(' on ')[0],
    postgresConnection: server.addr ? `TCP ${server.addr}:${server.port}` : 'Unix socket',
    sharedBuffers: String(server.shared_buffers),
    units: num(counts.units),
    approvedUnits: num(counts.approved),
    filings: num(counts.filings),
    filingLines: num(counts.lines),
    periods: { from: counts.first_period ?? null, to: counts.last_period ?? null, count: num(counts.periods) },
  };
}
