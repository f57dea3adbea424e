"""The default bundle on real audio: music gets a confident genre, speech and animals do not.

Uses the slow reference features (librosa) from tools/; the fast pipeline is tested elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from classifier.bundle import DEFAULT_BUNDLE, load_bundle
from tools.reference_features import log_mel_patches

PATCHES = 3  # ~9 s from the start of each clip
MUSIC = {
    "gtzan-mini/classical/classical.00000.flac": "Classical",
    "gtzan-mini/hiphop/hiphop.00001.flac": "Hip-Hop",
    "cc-music/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg":
        "Classical",
    "cc-music/sorohanro_-_solo-trumpet-06.ogg": "Jazz",
}
NON_MUSIC = [  # three LibriSpeech readings, a humpback whale, a robin, a dog (see the .txt notes)
    "198-209-0000", "3436-172162-0000", "5703-47212-0000", "glacier-bay-humpback",
    "456440__inspectorj__bird-whistling-robin-single-13", "pibble",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def broad():
    return load_bundle(DEFAULT_BUNDLE)


def track_probabilities(bundle, path: Path) -> tuple[torch.Tensor, float]:
    """Mean genre probabilities and mean music probability over the clip's first patches."""
    with torch.inference_mode():
        probs, _, music = bundle.model.outputs(torch.from_numpy(log_mel_patches(path, PATCHES)))
    return probs.mean(dim=0), float(music.mean())


@pytest.mark.parametrize("clip", sorted(MUSIC))
def test_music_gets_its_genre_confidently(broad, shared_data: Path, clip: str) -> None:
    probs, music = track_probabilities(broad, shared_data / clip)
    assert broad.decide(probs, music) == MUSIC[clip]


@pytest.mark.parametrize("stem", NON_MUSIC)
def test_speech_and_animals_are_uncertain(broad, shared_data: Path, stem: str) -> None:
    probs, music = track_probabilities(broad, shared_data / "cc-music" / f"{stem}.ogg")
    assert broad.decide(probs, music) is None, (music, dict(zip(broad.labels, probs.tolist())))
