"""Run by test_tag_crash.py in a subprocess that gets SIGKILLed: plan and apply a batch,
printing one line per file written so the parent can aim its kill."""

from __future__ import annotations

import sys

from library.db import create_db_engine, session_factory
from library.tagplan import TagOptions, plan_tags
from workflows.tags import apply_plan


def main(db_path: str) -> None:
    sessions = session_factory(create_db_engine(db_path))
    options = TagOptions(policy="replace")
    with sessions() as session:
        rows = plan_tags(session, options)
    print("ready", len(rows), flush=True)
    apply_plan(sessions, rows, options, progress=lambda done, total: print(done, flush=True))
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
