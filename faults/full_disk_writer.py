"""The child of item 4: the local file on a "full disk" — every file this process writes may
grow to ``limit`` bytes only (RLIMIT_FSIZE; SIGXFSZ ignored, so a write past it fails as on a
full disk). It reads the pipeline list (what the window shows), tries a large lead import,
reads the list again, and prints what happened as JSON.
Usage: python -m faults.full_disk_writer sqlite:///path limit-bytes leads"""

from __future__ import annotations

import json
import resource
import signal
import sys

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.db.list_queries import PIPELINE
from portal_desktop.db.paged_rows import read_rows
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.files.csv_reading import read_csv
from portal_desktop.services.files.lead_import import import_leads
from portal_desktop.services.files.lead_mapping import guess_mapping


def main(url: str, limit: str, leads: str) -> None:
    rows = "\n".join(f"Ann,Full{i},full{i}@example.com,facebook" for i in range(int(leads)))
    table = read_csv(f"first_name,last_name,email,source\n{rows}\n".encode())
    engine = make_engine(url)
    shown = read_rows(engine, PIPELINE.query(), 0, 500, total=0, counted=False)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
    try:
        with session_factory(engine)() as session:
            import_leads(session, SYSTEM, table, guess_mapping(table.header))
        error = None
    except Exception as exc:  # reported to the parent, which judges it
        error = {"type": type(exc).__name__, "words": str(exc)}
    after = read_rows(engine, PIPELINE.query(), 0, 500, total=0, counted=False)
    print(json.dumps({"error": error, "kept": after == shown, "shown": len(shown)}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
