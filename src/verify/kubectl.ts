import { spawn } from 'node:child_process';
import type { KubectlResult } from './check.js';

/** Runs kubectl (the `KUBECTL` env var, else `kubectl` on PATH) against one context. */
export interface KubectlOptions {
  /** The kube context (`--context`). @default - kubectl's current context */
  readonly context?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Per call. @default 60000 */
  readonly timeoutMs?: number;
}

/** kubectl cannot run at all, or the context does not exist: one line for the operator. */
export class KubectlSetupError extends Error {}

export class Kubectl {
  readonly binary: string;
  private readonly cache = new Map<string, Promise<KubectlResult>>();
  constructor(private readonly opts: KubectlOptions = {}) {
    // An empty KUBECTL means unset, as for most tools' binary variables.
    const configured = (opts.env ?? process.env).KUBECTL?.trim() ?? '';
    this.binary = configured === '' ? 'kubectl' : configured;
  }

  /** Runs `kubectl [--context c] …args`, once per distinct argv (checks reading the same List share it). */
  run(args: readonly string[]): Promise<KubectlResult> {
    const argv = this.opts.context ? ['--context', this.opts.context, ...args] : [...args];
    const key = JSON.stringify(argv);
    let r = this.cache.get(key);
    if (!r) {
      r = this.spawn(argv);
      this.cache.set(key, r);
    }
    return r;
  }

  /** Fails with a KubectlSetupError unless kubectl runs and the context exists. */
  async preflight(): Promise<string> {
    const contexts = await this.spawn(['config', 'get-contexts', '-o', 'name']);
    const names = contexts.stdout.split('\n').filter(Boolean);
    if (this.opts.context) {
      if (!names.includes(this.opts.context)) {
        throw new KubectlSetupError(
          `kube context '${this.opts.context}' does not exist (${names.length ? `kubectl config get-contexts lists: ${names.join(', ')}` : 'kubectl has no contexts'})`,
        );
      }
      return this.opts.context;
    }
    const current = await this.spawn(['config', 'current-context']);
    const name = current.stdout.trim();
    if (current.code !== 0 || !name) throw new KubectlSetupError('kubectl has no current context: pass --context <name> (kubectl config get-contexts lists them)');
    return name;
  }

  private spawn(argv: readonly string[]): Promise<KubectlResult> {
    const env = this.opts.env ?? process.env;
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      // Our own timer (spawn's `timeout` keeps the process alive when kubectl never started), never holding the process open.
      const timer = setTimeout(() => child.kill('SIGTERM'), this.opts.timeoutMs ?? 60_000).unref();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'ENOENT')
          reject(
            new KubectlSetupError(
              this.binary.includes('/')
                ? `kubectl not found: '${this.binary}' (KUBECTL) does not exist`
                : `kubectl not found: '${this.binary}' is not on PATH; install kubectl or set KUBECTL to its path`,
            ),
          );
        else reject(new KubectlSetupError(`kubectl ('${this.binary}') cannot run: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: signal ? `${stderr}kubectl was stopped (${signal}): no answer in time\n` : stderr });
      });
    });
  }
}
