"""Early exit: a track whose first clips agree with confidence skips its remaining clips.

The network is ~70 % of a track's CPU (one 3-s patch ≈ 23 ms), so the third clip of a track
the first two already settle is the largest saving left (issue #16). A bundle opts in with an
"early_exit" block in bundle.json, because the rule's cost in accuracy is the bundle's own:
measured out of fold for broad 2.x by bench/early_exit.py (docs/speed.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EarlyExit:
    """Settle on the first `clips` clips when their winners agree, the winner's mean probability
    reaches `confidence` and every one of them is music with P(music) >= `music`.

    Anything less (a disagreeing clip, a doubtful one, a possible non-music track) runs every
    clip of the plan, as before: non-music decisions never come from fewer clips."""

    clips: int = 2
    of: int = 3  # the clip count the rule was measured for; other plans run every clip
    confidence: float = 0.5
    music: float = 0.5

    def __post_init__(self) -> None:
        bounded = 0 <= self.confidence <= 1 and 0 <= self.music <= 1
        if not 1 <= self.clips < self.of or not bounded:
            raise ValueError(f"invalid early exit {self}")

    def fits(self, count: int) -> bool:
        """Whether the rule applies to a plan of `count` clips per track."""
        return count == self.of

    def settles(self, probs: np.ndarray, music: np.ndarray | None) -> bool:
        """Whether the clips `probs` (clips, labels) and `music` (clips,) settle the track."""
        if len(probs) < self.clips:
            return False
        first = probs[: self.clips]
        winners = first.argmax(axis=1)
        if (winners != winners[0]).any():
            return False
        if first[:, winners[0]].mean() < self.confidence:
            return False
        return music is None or bool(music[: self.clips].min() >= self.music)


    def spec(self) -> dict[str, float]:
        """The rule as bundle.json's "early_exit" block."""
        return asdict(self)

    @classmethod
    def from_spec(cls, raw: Any, where: str) -> EarlyExit:
        """The rule of a bundle.json "early_exit" block; ValueError says what is wrong."""
        names = {f.name for f in fields(cls)}
        if not isinstance(raw, dict) or set(raw) != names:
            raise ValueError(f"{where}: must be an object with {', '.join(sorted(names))}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw.values()):
            raise ValueError(f"{where}: values must be numbers")
        if not all(isinstance(raw[k], int) for k in ("clips", "of")):
            raise ValueError(f"{where}: clips and of must be whole numbers")
        try:
            return cls(**raw)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc


# broad 2.x's rule: 2 of 3 clips, chosen on out-of-fold figures (docs/speed.md); written into
# its bundle.json by tools/default_ship.py.
EARLY_EXIT = EarlyExit()
