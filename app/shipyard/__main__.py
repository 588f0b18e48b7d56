import sys

from shipyard.main import main

# Guarded: a training process started with multiprocessing re-imports the main module.
if __name__ == "__main__":
    sys.exit(main())
