"""The GUI's paged load (browse.iter_row_pages) with and without per-page prediction bounds,
on SQLite and on a throw-away PostgreSQL server, at 100,000 generated tracks.

    python bench/browse_pages.py

Prints wall and CPU seconds of reading every row page, twice each, alternating.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.backends import on_both_backends  # noqa: E402
from library import browse  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.models import Track  # noqa: E402
from library.roots import local_paths  # noqa: E402
from tools.demo_library import populate  # noqa: E402


def unbounded(session, page_size=2000, in_use=None):  # type: ignore[no-untyped-def]
    """The paging before: each page's grouped subquery over every prediction."""
    after = 0
    roots = local_paths(session)
    while True:
        page = [browse._to_row(v, in_use, roots) for v in session.connection().execute(
            browse._rows_query(in_use).where(Track.id > after).limit(page_size))]
        if not page:
            return
        yield page
        after = page[-1].id


def compare(location: Path | str) -> None:
    """Both pagings, twice each."""
    sessions = session_factory(create_db_engine(location))
    for name, pages in (("unbounded", unbounded), ("bounded", browse.iter_row_pages)) * 2:
        with sessions() as s:
            start, cpu = time.perf_counter(), time.process_time()
            rows = sum(len(p) for p in pages(s))
            print(f"  {name:<10} {rows} rows {time.perf_counter() - start:6.2f} s "
                  f"(CPU {time.process_time() - cpu:.2f})", flush=True)


def main() -> None:
    """SQLite, then PostgreSQL."""

    def measure(where: Path | str) -> None:
        populate(where, 100_000)
        compare(where)

    on_both_backends(measure, sqlite_label="SQLite", name="pages")


if __name__ == "__main__":
    main()
