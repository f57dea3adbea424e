"""Extra non-music for the music gate: animal calls and sound effects from Debian packages.

    apt-get download tuxpaint-stamps-default gcompris-qt-data lincity-ng-data widelands-data \
        megaglest-data wesnoth-1.16-data
    python tools/gate_sounds.py tuxpaint-stamps-default_*.deb gcompris-qt-data_*.deb \
        lincity-ng-data_*.deb widelands-data_*.deb megaglest-data_*.deb wesnoth-1.16-data_*.deb

genre-pool has no birdsong, so the gate let cc-music's robin through (P(music) 0.53). Six
Debian packages hold recorded animal calls and everyday sounds, licensed for redistribution:

- tuxpaint-stamps-default: each stamp's sound effect (`<stamp>.ogg`; `*_desc*.ogg` are spoken
  descriptions and are skipped), birds and mammals among them. Licence GPL-2+.
- gcompris-qt-data: the sound-effect files inside a few activities' Qt resource bundles
  (memory-sound, canal_lock, watercycle, ...), read with PySide6's QResource. Licence GPL-3+
  for the package; single sounds CC-BY-3.0 / CC0 as credited in its copyright file.
- lincity-ng-data: the city's ambient sounds (farms, parks, traffic, industry). GPL-2+
  (upstream dual-licenses them GPL / CC BY-SA 2.0).
- widelands-data: animal calls (six bird recordings, wolves, deer, ...) and work sounds.
  GPL-2+ package; each sound's author and licence (CC0, CC BY 3.0, PD) in its
  data/sound/wl-sound-docu.csv.
- megaglest-data: each map tileset's ambiences (day birdsong, night crickets, rain, wind) and
  animal calls. CC-BY-SA-3.0.
- wesnoth-1.16-data: ambiences (birds, morning, night, campfire, ship) and animal calls
  (wolves, horses, bats, gryphons, ...). GPL-2.

Music, instruments, jingles and speech in those packages are left out (the rules below).
Nothing is copied into the repository: the sounds go into --out (a cache folder) with a
MANIFEST.tsv (path, package, version, original path, licence, kind) and each package's
copyright file. `extra_items` turns the manifest into training items for tools/default_ship.py;
`kind` is the cross-validation group (an animal class or a package's set of effects is held
out at once, so the same animal never sits on both sides of a split).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import soundfile as sf
from platformdirs import user_cache_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.default_data import Item  # noqa: E402

DEFAULT_OUT = user_cache_path("GenreLens") / "gate-sounds"
MIN_SECONDS = 0.5  # clicks shorter than this teach nothing about a 3 s patch
TUXPAINT_ROOT = "usr/share/tuxpaint/stamps/"
# Stamp sounds that are music or speech (instruments, a bugle call, letters, festive jingles).
TUXPAINT_SKIP = re.compile(r"_desc|/symbols/|/music/|/military/|/seasonal/|/flags/")
# gcompris activities whose effects are recorded everyday sounds (no music, no speech).
GCOMPRIS_RCC = ("memory-sound", "canal_lock", "watercycle", "railroad", "traffic", "guessnumber",
                "money", "mining", "target", "reversecount", "clickgame", "babymatch",
                "align4_2players")
# ... minus the musical ones in them (guitar notes and melody, a gong, a music pause, a chime).
GCOMPRIS_SKIP = re.compile(r"guitar|gong|LaPause|realrainbow", re.IGNORECASE)
LINCITY_ROOT = "usr/share/games/lincity-ng/sounds/"
# A monument's fanfare and a stadium crowd may be music or chant; tiny UI clicks teach nothing.
LINCITY_SKIP = re.compile(r"^(Monument\d|SportsCroud|Click|Window)")
WIDELANDS_ROOT = "usr/share/games/widelands/data/sound/"
# Horn calls (military) may be music; the top folder holds interface blips.
WIDELANDS_SKIP = re.compile(r"^(military/|[^/]+$)")
MEGAGLEST_ROOT = "usr/share/games/megaglest/tilesets/"
# the hell tileset's drone and a spoken "good morning" are neither nature nor effects
MEGAGLEST_SKIP = re.compile(r"hell|good_morning")
WESNOTH_ROOT = "usr/share/games/wesnoth/1.16/data/core/sounds/"
# the ambiences (war drums left out) and the calls of animals; no voices, weapons or magic
WESNOTH_KEEP = re.compile(r"^(ambient/(?!wardrums)|(bat|gryphon|horse|hiss|wolf|tusker|drake)"
                          r"[-.])")
LICENCES = {
    "wesnoth-1.16-data": "GPL-2 (debian/copyright: Wesnoth data, GNU GPL version 2)",
    "megaglest-data": "CC-BY-SA-3.0 (debian/copyright: Files: *; ambience credits "
                      "soundbible.com / dobroide)",
    "widelands-data": "GPL-2+ package; single sounds CC0 / CC BY 3.0 / PD per "
                      "data/sound/wl-sound-docu.csv (freesound.org, soundbible.com authors)",
    "lincity-ng-data": "GPL-2+ (debian/copyright: sound effects dual-licensed GPL / "
                       "CC BY-SA 2.0, used under the GPL)",
    "tuxpaint-stamps-default": "GPL-2+ (debian/copyright: Files: * 2002-2022 Bill Kendrick)",
    "gcompris-qt-data": "GPL-3+ package; single sounds CC-BY-3.0 / CC0 as credited in "
                        "debian/copyright (freesound.org authors)",
}
FIELDS = ["path", "package", "version", "original_path", "licence", "kind", "seconds"]


def deb_field(deb: Path, field: str) -> str:
    """One control field of a .deb (Package, Version)."""
    return subprocess.run(["dpkg-deb", "-f", str(deb), field], check=True, capture_output=True,
                          text=True).stdout.strip()


def tuxpaint_sounds(root: Path) -> list[tuple[Path, str, str]]:
    """(file, original path, kind) of the stamp sound effects worth training on."""
    out = []
    for path in sorted((root / TUXPAINT_ROOT).rglob("*.ogg")):
        original = str(path.relative_to(root))
        if TUXPAINT_SKIP.search("/" + original):
            continue
        parts = path.relative_to(root / TUXPAINT_ROOT).parts
        # animals by class (birds, mammals, insects, ...); everything else is one "effects" kind
        kind = f"tuxpaint:{parts[0]}/{parts[1]}" if parts[0] == "animals" else "tuxpaint:effects"
        out.append((path, original, kind))
    return out


def lincity_sounds(root: Path) -> list[tuple[Path, str, str]]:
    """(file, original path, kind) of the city's ambient sounds (farms, parks, traffic, ...);
    kind = the building family (Green1..4 are one kind)."""
    out = []
    for path in sorted((root / LINCITY_ROOT).glob("*.wav")):
        if not LINCITY_SKIP.search(path.name):
            out.append((path, str(path.relative_to(root)),
                        "lincity:" + re.sub(r"\d+$", "", path.stem)))
    return out


def widelands_sounds(root: Path) -> list[tuple[Path, str, str]]:
    """(file, original path, kind) of the game's animal and work sounds; every bird recording
    is one kind (birds are held out together), other animals one kind each."""
    out = []
    for path in sorted((root / WIDELANDS_ROOT).rglob("*.ogg")):
        inner = str(path.relative_to(root / WIDELANDS_ROOT))
        if WIDELANDS_SKIP.search(inner):
            continue
        animal = re.sub(r"\d*(_\d+)?$", "", path.stem)
        folder = inner.split("/")[0]
        kind = ("animals/birds" if animal == "bird" else f"{folder}/{animal}"
                if folder in ("animals", "farm") else folder)
        out.append((path, str(path.relative_to(root)), "widelands:" + kind))
    return out


def megaglest_sounds(root: Path) -> list[tuple[Path, str, str]]:
    """(file, original path, kind) of the tilesets' ambiences (day = birdsong, night =
    crickets, rain, wind) and animal calls; kind = the ambience or animal, across tilesets."""
    out = []
    for path in sorted((root / MEGAGLEST_ROOT).glob("*/sounds/*")):
        if path.suffix not in (".ogg", ".wav") or MEGAGLEST_SKIP.search(path.name):
            continue
        stem = re.sub(r"_\d+$", "", path.stem.lower())
        kind = next((k for k in ("day", "night", "rain", "wind") if k in stem), stem)
        out.append((path, str(path.relative_to(root)), "megaglest:" + kind))
    return out


def wesnoth_sounds(root: Path) -> list[tuple[Path, str, str]]:
    """(file, original path, kind) of the ambiences (birds1-3 and morning are one kind) and
    animal calls (kind = the animal)."""
    out = []
    for path in sorted((root / WESNOTH_ROOT).rglob("*.ogg")):
        inner = str(path.relative_to(root / WESNOTH_ROOT))
        if not WESNOTH_KEEP.search(inner):
            continue
        name = re.split(r"[-\d]", path.stem)[0]
        kind = ("ambient/birds" if name in ("birds", "morning") else
                f"ambient/{name}" if inner.startswith("ambient/") else name)
        out.append((path, str(path.relative_to(root)), "wesnoth:" + kind))
    return out


def gcompris_sounds(root: Path, work: Path) -> list[tuple[Path, str, str]]:
    """(file, original path, kind) of sound effects copied out of the chosen .rcc bundles."""
    from PySide6.QtCore import QDirIterator, QFile, QResource

    out = []
    for name in GCOMPRIS_RCC:
        rcc = root / "usr/share/gcompris-qt/rcc" / f"{name}.rcc"
        mount = f"/gate-{name}"
        if not QResource.registerResource(str(rcc), mount):
            raise SystemExit(f"{rcc}: not a Qt resource bundle")
        found = QDirIterator(":" + mount, QDirIterator.IteratorFlag.Subdirectories)
        while found.hasNext():
            inner = found.next()
            if not inner.lower().endswith((".ogg", ".wav")) or GCOMPRIS_SKIP.search(inner):
                continue
            target = work / name / Path(inner).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not QFile.copy(inner, str(target)):
                raise SystemExit(f"{inner}: cannot copy out of {rcc.name}")
            out.append((target, f"{rcc.relative_to(root)}:{inner.split(mount, 1)[1]}",
                        f"gcompris:{name}"))
        QResource.unregisterResource(str(rcc), mount)
    return out


def extract(debs: list[Path], out: Path) -> list[dict[str, str]]:
    """Unpack the packages' chosen sounds into `out`; write and return its manifest rows."""
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for deb in debs:
        package, version = deb_field(deb, "Package"), deb_field(deb, "Version")
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "root"
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            if package == "tuxpaint-stamps-default":
                sounds = tuxpaint_sounds(root)
            elif package == "megaglest-data":
                sounds = megaglest_sounds(root)
            elif package == "wesnoth-1.16-data":
                sounds = wesnoth_sounds(root)
            elif package == "widelands-data":
                sounds = widelands_sounds(root)
            elif package == "lincity-ng-data":
                sounds = lincity_sounds(root)
            elif package == "gcompris-qt-data":
                sounds = gcompris_sounds(root, Path(tmp) / "rcc")
            else:
                raise SystemExit(f"{deb}: no rules for package {package}")
            folder = out / package
            folder.mkdir(exist_ok=True)
            shutil.copy(root / "usr/share/doc" / package / "copyright", folder / "copyright")
            for path, original, kind in sounds:
                seconds = sf.info(str(path)).duration
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if seconds < MIN_SECONDS or digest in seen:  # games reuse one file in places
                    continue
                seen.add(digest)
                flat = re.sub(r"[^\w.-]+", "_", original.split(":")[-1].strip("/"))
                target = folder / flat
                shutil.copy(path, target)
                rows.append({"path": str(target.relative_to(out)), "package": package,
                             "version": version, "original_path": original,
                             "licence": LICENCES[package], "kind": kind,
                             "seconds": f"{seconds:.2f}"})
    with open(out / "MANIFEST.tsv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def extra_items(folder: Path = DEFAULT_OUT) -> list[Item]:
    """The extracted sounds as non-music training items (group = kind, source = package)."""
    if not (folder / "MANIFEST.tsv").is_file():
        raise SystemExit(f"{folder}: no MANIFEST.tsv; run tools/gate_sounds.py first")
    with open(folder / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Item(folder / row["path"], "environment", None, row["kind"], row["package"])
            for row in rows]


def main(argv: list[str] | None = None) -> int:
    """Extract the sounds of the given .deb files into --out and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("debs", nargs="+", type=Path, help="tuxpaint-stamps-default / "
                        "gcompris-qt-data .deb files (apt-get download NAME)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rows = extract(args.debs, args.out)
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    print(f"{len(rows)} sounds in {args.out}: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
