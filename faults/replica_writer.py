"""The child of the replica case: makes leads on a replica, one use case each, prints each
lead's id once its transaction has committed ("acknowledged"), and syncs with the server
after every third. It runs until it is killed.
Usage: python -m faults.replica_writer SERVER_URL sqlite:///replica"""

from __future__ import annotations

import sys

from uuid6 import uuid7

from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.services.common.context import SYSTEM
from portal_desktop.services.sales.leads import create_lead
from portal_desktop.services.sync.run import sync_once


def main(server_url: str, replica_url: str) -> None:
    server, replica = make_engine(server_url), make_engine(replica_url)
    sessions = session_factory(replica)
    print("ready", flush=True)
    made = 0
    while True:
        with sessions() as session:
            name = uuid7().hex[:12]
            lead = create_lead(
                session, SYSTEM, first_name="Offline", last_name=name, email=f"{name}@x.org"
            )
            print(lead.id, flush=True)
        made += 1
        if made % 3 == 0:
            sync_once(server, replica)


if __name__ == "__main__":
    main(*sys.argv[1:])
