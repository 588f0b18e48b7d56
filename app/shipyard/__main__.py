import multiprocessing
import sys

from shipyard.main import main

# Guarded: a training process started with multiprocessing re-imports the main module.
if __name__ == "__main__":
    # In the frozen app this executable also serves multiprocessing's helpers (forkserver,
    # resource tracker, spawned children): freeze_support runs them and exits before the
    # CLI reads the arguments. Outside a frozen build it does nothing.
    multiprocessing.freeze_support()
    sys.exit(main())
