import sys

from portal_desktop.cli import main

sys.exit(main())
