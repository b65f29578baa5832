// The service as real processes on a data directory of their own: `npm start` (its commands as
// package.json has them: the build into dist/, then the server with --dev) and the CLI (through
// tsx), on the embedded database and the outbox whatever the test run uses. Every process started
// is killed when the test file ends (`killAll`), so a failed test leaves none.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>`: the server listens on a port of its own choosing. */
  base: string;
  port: number;
  /** Everything it has written so far (its log). */
  output(): string;
  /** Resolves once its log matches `pattern` (as soon as the line is written). */
  waitFor(pattern: RegExp): Promise<void>;
}

/** `npm start`'s commands, each split into node's arguments: `node a b && node c d`. */
function startCommands(): string[][] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split('&&').map((command) => {
    const [program, ...args] = command.trim().split(/\s+/);
    if (program !== 'node') throw new Error(`npm start runs ${program}, not node`);
    return args;
  });
}

export function processes(dataDir: () => string) {
  const started = new Set<ChildProcess>();

  const env = (extra: Record<string, string> = {}) => {
    const {
      TEST_DATABASE_URL: _db,
      TEST_REDIS_URL: _redis,
      DATABASE_URL: _url,
      REDIS_URL: _r,
      ...rest
    } = process.env;
    return { ...rest, DATA_DIR: dataDir(), PORT: '0', LOG_LEVEL: 'info', ...extra };
  };

  function node(args: string[], extra?: Record<string, string>) {
    const child = spawn(process.execPath, args, { env: env(extra) });
    started.add(child);
    return child;
  }

  /** Starts the server as `npm start` does and resolves once it listens. */
  function startServer(extra?: Record<string, string>): Promise<ServerProcess> {
    const commands = startCommands();
    for (const args of commands.slice(0, -1)) execFileSync(process.execPath, args);
    const child = node(commands.at(-1)!, extra);
    let output = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!pattern.test(output)) return;
          child.stdout!.off('data', check);
          resolve();
        };
        child.stdout!.on('data', check);
        check();
      });
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /Server listening at (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
        if (m) resolve({ child, base: m[1]!, port: Number(m[2]), output: () => output, waitFor });
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
  }

  /** Stops a server as Ctrl+C would and resolves with its exit code. */
  const stop = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });

  /** Runs `script` to its end (given `input` on stdin) and resolves with its exit code and output. */
  function run(script: string, args: string[], extra?: Record<string, string>, input = '') {
    const child = node(['--import', 'tsx', script, ...args], extra);
    child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    return new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      },
    );
  }

  const killAll = () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  };

  return { startServer, stop, run, killAll };
}
