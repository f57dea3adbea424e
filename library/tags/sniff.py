"""Byte-level signatures of audio containers; library/tags/formats.py puts them in order."""

from __future__ import annotations

ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_HEAD = 4096


def id3v2_size(head: bytes) -> int:
    """Bytes an ID3v2 tag at the start occupies (0 when there is none)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:  # syncsafe: 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


# Layer III bitrates (kbit/s) for MPEG-1 and MPEG-2/2.5, and sample rates per version bits.
_L3_KBPS = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
            2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def is_mpeg_frame(header: bytes) -> bool:
    """An MPEG audio frame header with legal version, layer, bitrate and sample rate."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 0x03, (header[1] >> 1) & 0x03
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 0x03
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _layer3_length(header: bytes) -> int:
    """Bytes of a Layer III frame starting with this valid header (0 for other layers)."""
    version, layer = (header[1] >> 3) & 0x03, (header[1] >> 1) & 0x03
    if layer != 1:
        return 0
    kbps = _L3_KBPS[3 if version == 3 else 2][header[2] >> 4]
    rate = _RATES[version][(header[2] >> 2) & 0x03]
    padding = (header[2] >> 1) & 0x01
    return (144 if version == 3 else 72) * kbps * 1000 // rate + padding


def find_mpeg(head: bytes) -> bool:
    """Two consecutive Layer III frames somewhere in `head`: MP3 after leading junk."""
    start = head.find(b"\xff")
    while 0 <= start < len(head) - 4:
        if is_mpeg_frame(head[start : start + 4]):
            length = _layer3_length(head[start : start + 4])
            if length and is_mpeg_frame(head[start + length : start + length + 4]):
                return True
        start = head.find(b"\xff", start + 1)
    return False


def ogg_codec(head: bytes) -> str | None:
    """The codec of the first logical stream of an Ogg file: vorbis, opus, flac or None."""
    if len(head) < 27 or head[:4] != b"OggS":
        return None
    body = head[27 + head[26] :]
    for magic, codec in ((b"\x01vorbis", "vorbis"), (b"OpusHead", "opus"), (b"\x7fFLAC", "flac")):
        if body.startswith(magic):
            return codec
    return None


def is_adts(head: bytes) -> bool:
    """A raw AAC (ADTS) frame header: 12 sync bits, MPEG layer 0, a legal sampling index."""
    return (len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0
            and (head[2] >> 2) & 0x0F < 13)
