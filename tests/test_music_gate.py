"""The music gate on real audio: every shipped genre bundle leaves cc-music's speech, whale, bird
and dog without a genre, and lets its music through; the verdict reaches the library and `list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.bundle import load_bundle
from classifier.predict import predict_tracks

NON_MUSIC = [  # three LibriSpeech readings, a humpback whale, a robin, a dog (see the .txt notes)
    "198-209-0000", "3436-172162-0000", "5703-47212-0000", "glacier-bay-humpback",
    "456440__inspectorj__bird-whistling-robin-single-13", "pibble",
]
SHIPPED_GENRE_BUNDLES = ["broad", "gtzan10"]
LEGACY = Path(__file__).parents[1] / "bench" / "legacy" / "broad-1.0"

pytestmark = pytest.mark.slow  # the real network on 14 real clips per bundle


@pytest.fixture(scope="module")
def cc_results(shared_data: Path) -> dict[str, dict[str, object]]:
    """bundle -> file stem -> TrackPrediction on every cc-music clip."""
    paths = sorted(str(p) for p in (shared_data / "cc-music").glob("*.ogg"))
    out: dict[str, dict[str, object]] = {}
    for name in [*SHIPPED_GENRE_BUNDLES, str(LEGACY)]:
        bundle = load_bundle(name)
        out[name] = {Path(r.path).stem: r for r in predict_tracks(paths, bundle, device="cpu")}
    return out


@pytest.mark.parametrize("bundle", [*SHIPPED_GENRE_BUNDLES, str(LEGACY)])
def test_non_music_is_not_music_or_uncertain(cc_results, bundle: str) -> None:
    results = cc_results[bundle]
    for stem in NON_MUSIC:
        result = results[stem]
        assert result.error is None
        assert result.not_music or not result.top_genres, (stem, result.top_genres)
    caught = [stem for stem in NON_MUSIC if results[stem].not_music]
    assert {"198-209-0000", "pibble"} <= set(caught)  # plain speech and the dog: the gate itself


def test_the_shipped_gate_catches_the_whale(cc_results) -> None:
    """music-gate 1.1.0 learned animal calls from Debian packages: the humpback whale that 1.0
    let through (kept uncertain only by its low joint confidence) is now not music itself."""
    broad = cc_results["broad"]
    assert broad["glacier-bay-humpback"].not_music, broad["glacier-bay-humpback"].music
    assert {"198-209-0000", "3436-172162-0000", "pibble"} <= {
        stem for stem in NON_MUSIC if broad[stem].not_music}


@pytest.mark.parametrize("bundle", SHIPPED_GENRE_BUNDLES)
def test_music_passes_the_gate_and_gets_a_genre_or_an_honest_doubt(cc_results, bundle: str) -> None:
    music = {stem: r for stem, r in cc_results[bundle].items() if stem not in NON_MUSIC}
    assert len(music) == 8
    for stem, result in music.items():
        assert not result.not_music, stem  # never called not music
        assert result.music >= load_bundle(bundle).music_threshold
    named = {stem: r.top_genres for stem, r in music.items() if r.top_genres}
    assert len(named) >= 4, named


def test_default_names_the_clear_cases_right(cc_results) -> None:
    broad = cc_results["broad"]
    assert broad["Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra)"
                 ].top_genres == ("Classical",)
    assert broad["sorohanro_-_solo-trumpet-06"].top_genres == ("Jazz",)
    assert broad["442789__lena-orsa__happy-music-pistachio-ice-cream-ragtime"
                 ].top_genres == ("Jazz",)
