import sys

from shipyard.main import main

sys.exit(main())
