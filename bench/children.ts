/**
 * The benchmarks' child processes: each part of the load (publishers, the ingest, probes) runs in
 * a process of its own, so that none shares an event loop with what it measures. They talk over
 * IPC: one job message in, `{ type: 'ready' | 'done' | 'error', … }` messages out.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const here = import.meta.dirname;

/** Forks `bench/{file}` under tsx (with `BENCH_PROFILE` set, the ingest writes a CPU profile there). */
export function forkChild(file: string): ChildProcess {
  const profile = process.env.BENCH_PROFILE && file.startsWith('ingest') ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  return fork(join(here, file), [], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The child's next message of `type`; rejects on an `error` message or when the child exits first. */
export function nextMessage<T>(c: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: { type: string; message?: string }) => {
      if (m.type === type) {
        done();
        resolve(m as T);
      } else if (m.type === 'error') {
        done();
        reject(new Error(m.message));
      }
    };
    const exit = (code: number | null) => {
      done();
      reject(new Error(`${type}: child exited with ${code}`));
    };
    const done = () => {
      c.off('message', on);
      c.off('exit', exit);
    };
    c.on('message', on);
    c.once('exit', exit);
  });
}
