"""Background work for the window: the job pool, jobs in child processes and the GC guard."""
