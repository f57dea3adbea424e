"""Alembic's entry: migrate the connection library.db hands over (or GENRELENS_DB's URL).

library.db.migrate passes its open connection in config.attributes["connection"], so the
upgrade runs inside the transaction that also does the legacy user_version steps. Run by
hand (`alembic -x` is not needed), it opens the library GENRELENS_DB names.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from library.models import Base


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,  # type: ignore[arg-type]
                      render_as_batch=True)  # SQLite alters tables by copying them
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    url = os.environ["GENRELENS_DB"]
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        _run(conn)
