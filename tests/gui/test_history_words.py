"""The history dialog shows each batch's and file's state in the words beside the StrEnums
(records.BatchState / FileState labels), as it did when it kept its own tables."""

from __future__ import annotations

from datetime import datetime, timezone

from gui.dialogs.history import HistoryModel, can_undo, files_text
from library.records import BatchState, BatchSummary, FileState

WHEN = datetime(2026, 1, 2, tzinfo=timezone.utc)


def test_states_read_as_before() -> None:
    assert files_text({"applied": 2, "undo-refused": 1, "error": 1}) == \
        "2 written, 1 error, 1 undo refused"
    assert files_text({FileState.UNDONE: 3}) == "3 undone" and files_text({}) == "no files"
    model = HistoryModel()
    shown = {"done": "written", "undone": "undone", "running": "interrupted",
             "undoing": "being undone", "undo-interrupted": "undo interrupted",
             "interrupted": "interrupted"}
    model.set_batches([BatchSummary(i, WHEN, BatchState(state), {"policy": "merge"}, {})
                       for i, state in enumerate(shown)])
    assert [model.index(i, 4).data() for i in range(len(shown))] == list(shown.values())
    assert model.index(0, 3).data() == "merge"


def test_undo_looks_at_undoable_files() -> None:
    batch = BatchSummary(1, WHEN, BatchState.DONE, {}, {"pending": 1})
    assert can_undo(batch)
    assert not can_undo(BatchSummary(1, WHEN, BatchState.UNDONE, {}, {"applied": 1}))
    assert not can_undo(BatchSummary(1, WHEN, BatchState.DONE, {}, {"skipped": 2}))
