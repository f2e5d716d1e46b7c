"""Loading the tabs' modules behind the first dialog (light to import: the launcher uses it
before anything heavy is loaded)."""

from __future__ import annotations

import threading


def warm_up() -> threading.Thread:
    """Load the tabs' modules in a thread behind the first dialog: by the time someone has
    signed in, the first tab builds without importing anything on the UI thread."""

    def run() -> None:
        from portal_desktop.views.tab_registry import import_tab_modules

        import_tab_modules()

    thread = threading.Thread(target=run, name="import tab modules", daemon=True)
    thread.start()
    return thread
