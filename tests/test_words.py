"""The words of the domain (ARCHITECTURE.md, rule 10): StrEnums declared once, stored and
printed as the same text as before, and not compared as bare strings in product code."""

from __future__ import annotations

import ast
import json
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import text

from classifier.audio import Decoder
from library.categories import AFTER_GENRES, BEFORE_GENRES, Category, Place, in_category
from library.convert import track_record
from library.db import create_db_engine, session_factory
from library.models import TagBatch, TagChange, Track
from library.records import (
    BatchState,
    BrowseRow,
    FileState,
    PlanAction,
    ScanOutcome,
    TagPolicy,
    TrackStatus,
)
from library.tags.formats import FORMATS

REPO = Path(__file__).resolve().parents[1]
WORDS = (TrackStatus, ScanOutcome, PlanAction, TagPolicy, FileState, BatchState, Category, Decoder)
# Names of the fields and variables that hold those words: a bare string compared with one of
# them is a word that should be a member. Other strings ("genre" as a Vorbis key) pass.
WORD_HOLDERS = ("status", "state", "action", "outcome", "policy", "decoder", "kind", "category")


def test_the_format_registry_names_only_the_classifiers_decoders() -> None:
    """library/ cannot import classifier/: its decoder names are checked against the enum here."""
    assert {entry.decoder for entry in FORMATS.values()} <= set(Decoder)
    assert {entry.decoder for entry in FORMATS.values()} == set(Decoder)  # both in use


def test_words_round_trip_through_the_database_as_their_text(tmp_path: Path) -> None:
    engine = create_db_engine(tmp_path / "words.db")
    sessions = session_factory(engine)
    with sessions() as session:
        session.add(Track(path="/m/a.flac", size=1, mtime_ns=1, status=TrackStatus.MISSING))
        batch = TagBatch(options={"policy": TagPolicy.MERGE})
        session.add(batch)
        session.flush()
        session.add(TagChange(batch_id=batch.id, path="/m/a.flac", new_genres=["Jazz"],
                              state=FileState.UNDO_REFUSED))
        session.commit()
        raw = session.execute(text("SELECT t.status, b.state, b.options, c.state FROM tracks t, "
                                   "tag_batches b, tag_changes c")).one()
        assert tuple(raw) == ("missing", "running", '{"policy": "merge"}', "undo-refused")
        assert all(type(value) is str for value in raw)  # plain text, not a pickled enum
        track = session.get(Track, 1)
        assert track is not None
        record = track_record(track)
    engine.dispose()
    assert record.status is TrackStatus.MISSING
    assert json.loads(json.dumps(asdict(record), default=str))["status"] == "missing"


def test_members_are_their_text() -> None:
    assert PlanAction.WRITE == "write" and f"{BatchState.UNDO_INTERRUPTED}" == "undo-interrupted"
    assert json.dumps([ScanOutcome.MOVED, TagPolicy.FILL_EMPTY]) == '["moved", "fill-empty"]'
    assert {TrackStatus.OK: 1}["ok"] == 1  # same hash: counts keyed either way agree
    assert TagPolicy.FILL_EMPTY.label == "Only fill tracks without a genre"  # display text
    assert FileState.APPLIED.label == "written" and FileState.SKIPPED.label == "skipped"


def test_each_category_is_declared_whole() -> None:
    """Key, label, scope phrase, rule and place: what the sidebar, the filter, the counts and
    the scope phrases read. Fixed entries have a label; genre groups take {value}."""
    assert len({c.value for c in Category}) == len(Category)
    for category in Category:
        assert "{tracks}" in category.phrase
        fixed = category.place in (Place.BEFORE, Place.AFTER, Place.QUEUE)
        assert bool(category.label) == fixed and ("{value}" in category.phrase) != fixed
    assert BEFORE_GENRES == (Category.ALL,) and AFTER_GENRES[-1] is Category.ERRORS
    row = BrowseRow(1, "/m/a.mp3", "error", error="unreadable")
    assert [c for c in Category if in_category(row, c, "Jazz")] == [Category.ALL,
                                                                    Category.ERRORS]


def _word_comparisons(source: str) -> list[str]:
    """Comparisons (==, !=, in, not in) of a word holder with a bare string that is a word."""
    words = {str(member) for enum in WORDS for member in enum}

    def holder(node: ast.expr) -> bool:
        name = (node.attr if isinstance(node, ast.Attribute) else node.id
                if isinstance(node, ast.Name) else node.slice.value
                if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                else None)
        return isinstance(name, str) and name.lower().endswith(WORD_HOLDERS)

    def strings(node: ast.expr) -> list[object]:
        items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        return [item.value for item in items if isinstance(item, ast.Constant)]

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(holder(s) for s in sides) and any(v in words for s in sides
                                                     for v in strings(s)):
                found.append(ast.unparse(node))
    return found


def test_the_detector_sees_word_comparisons() -> None:
    source = ("a = row.status == 'missing'\nb = o.state not in ('applied', 'undone')\n"
              "c = r['status'] != 'ok'\nd = key.lower() == 'genre'\ne = kind == 'json'\n")
    assert len(_word_comparisons(source)) == 3


def test_product_code_compares_words_as_members() -> None:
    sources = [REPO / "main.py"] + [p for package in ("library", "classifier", "workflows",
                                                      "cli", "gui")
                                    for p in (REPO / package).rglob("*.py")]
    found = {str(p.relative_to(REPO)): len(hits) for p in sources
             if (hits := _word_comparisons(p.read_text()))}
    assert found == {}  # every word compared as a member
