/**
 * Cloud tasks run in this process, with one SDK client per region kept for the
 * process's life. For tests, benches and tools; the agent runs its tasks in a child
 * (child-tasks.ts) so the SDK never stays in its memory.
 */
import type { CloudTask, CloudTaskKind, CloudTaskResults, CloudTasks, TaskHooks } from './cloud-task.js';
import { runCloudTask } from './cloud-task.js';
import { Ec2 } from './ec2.js';
import type { RetryOptions } from './retry.js';

export interface InProcessTasksOptions {
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
  /** Injected EC2 client factory (tests); default: the SDK client in `region`. */
  ec2Factory?: (region: string) => Ec2;
}

export class InProcessTasks implements CloudTasks {
  private readonly clients = new Map<string, Ec2>();

  constructor(private readonly opts: InProcessTasksOptions = {}) {}

  run<K extends CloudTaskKind>(task: Extract<CloudTask, { kind: K }>, hooks: TaskHooks): Promise<CloudTaskResults[K]> {
    return runCloudTask(task, this.ec2(task.region), hooks);
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  private ec2(region: string): Ec2 {
    let c = this.clients.get(region);
    if (!c) {
      c = this.opts.ec2Factory?.(region) ?? new Ec2({ region, ...(this.opts.env ? { env: this.opts.env } : {}), ...(this.opts.retry ? { retry: this.opts.retry } : {}) });
      this.clients.set(region, c);
    }
    return c;
  }
}
