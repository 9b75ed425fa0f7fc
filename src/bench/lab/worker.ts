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

// The runner is gone (stopped by a signal, or killed): stop now rather than finish a run nobody
// will record, and then die writing its result to a closed channel.
process.on("disconnect", () => {
  closeSharedOptunaProcess();
  process.exit(0);
});

process.on("message", (message: WorkerRequest) => {
  if (message.type === "stop") {
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
