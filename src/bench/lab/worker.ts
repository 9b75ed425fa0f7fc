/**
 * A lab worker process, forked by the runner: it runs one job per message and sends back its
 * result. Each worker keeps one Optuna process for all its Optuna jobs.
 */
import { closeSharedOptunaProcess } from "./optuna.js";
import { runJob, type Job } from "./run-one.js";

export type WorkerRequest = { readonly type: "job"; readonly id: number; readonly job: Job } | { readonly type: "stop" };
export type WorkerReply =
  | { readonly type: "result"; readonly id: number; readonly result: Awaited<ReturnType<typeof runJob>> }
  | { readonly type: "error"; readonly id: number; readonly message: string };

let stopping = false;

// The runner is gone (stopped by a signal, or killed): stop now rather than finish a run nobody
// will record, and then die writing its result to a closed channel. The commands of the run under
// way are in this worker's process group (the runner made it lead one): they go with it, as they
// would not if it only exited.
process.on("disconnect", () => {
  closeSharedOptunaProcess();
  if (!stopping) {
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {
      // not a group leader (forked by something other than the runner): exit alone
    }
  }
  process.exit(0);
});

process.on("message", (message: WorkerRequest) => {
  if (message.type === "stop") {
    stopping = true;
    closeSharedOptunaProcess();
    process.disconnect();
    return;
  }
  runJob(message.job).then(
    (result) => process.send!({ type: "result", id: message.id, result } satisfies WorkerReply),
    (error: unknown) =>
      process.send!({ type: "error", id: message.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
