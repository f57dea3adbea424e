"""The music collection: database, scanner, tags. Never imports PySide6, torch or classifier.

`__all__` lists the modules other packages may import (tests/test_layering.py holds them to
it); the rest are the package's own workings. Nothing is loaded here: import the module.
"""

__all__ = [
    "albums",  # the artist → album tree of the rows browsed (pure, over records)
    "browse",  # the GUI's reads: table rows, details; user labels
    "categories",  # the sidebar's categories: rules, counts, labels (pure, over records)
    "claims",  # which classify run works on which track
    "db",  # engine, sessions, schema version and migrations, the default path
    "db_errors",  # database failures in words, exit codes
    "descriptor_store",  # cached hand-crafted descriptors
    "folders",  # watched folders: add, list, remove
    "fresh_schema",  # a new SQLite library from the schema snapshot (tools rewrite it)
    "genre_names",  # genre spellings and their canonical names
    "learned",  # the review learner's inputs and its predictions (bundle "learned")
    "labels",  # known genres of tracks (user labels, else tags)
    "models",  # the ORM tables (for tools and tests; rows never leave library/)
    "predictions",  # what to classify, storing predictions and embeddings
    "records",  # the frozen records every reader returns
    "repository",  # track listings and look-ups for the CLI
    "roots",  # library roots: stored paths <-> this machine's mount points
    "scanner",  # folder scan: new, changed, moved, missing, errors
    "similarity",  # embeddings as one matrix, nearest neighbours, same-audio tracks
    "tag_history",  # tag-write batches: list, undo
    "tagplan",  # the tag writer's dry run
    "tags",  # read tags, the format registry, genre writes
    "tagwriter",  # apply a plan: verified temporary copy, undo log
    "write_lock",  # one writer per library file
]
