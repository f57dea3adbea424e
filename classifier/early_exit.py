"""Early exit: a track whose first clips agree with confidence skips its remaining clips.

The network is ~70 % of a track's CPU (one 3-s patch ≈ 23 ms), so the third clip of a track
the first two already settle is the largest saving left (issue #16). The rule and its cost
in accuracy, measured out of fold on the training pool: bench/early_exit.py, docs/speed.md.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# The pipeline's rule: 2 of 3 clips, chosen on out-of-fold figures (docs/speed.md).
EARLY_EXIT = EarlyExit()
