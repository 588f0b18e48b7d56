"""Background work for the window: `Op` (run a job, said as a sentence), `JobProgress` (its
progress/cancel strip), the job pool and hub, jobs in child processes and the GC guard."""
