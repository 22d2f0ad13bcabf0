"""OpenSSH public key lines read and checked: algorithm, key data and fingerprint (pure).

A key line is "ALGORITHM BASE64 [comment]", as in a .pub file or authorized_keys. The
base64 is the key blob of RFC 4253 section 6.6 and its successors: length-prefixed
strings and integers, the first naming the algorithm again. Reading the blob ourselves
(a few dozen lines of `struct`) checks that the line is whole and says what it claims,
refuses RSA keys too short to trust, and needs no cryptography library; the SSH server
checks signatures. Every refusal is one line naming what is wrong, field `public_key`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from equipshare.domain.errors import InputError

FIELD = "public_key"
#: The key types equipshare accepts, in the order a refusal lists them.
ALGORITHMS = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
)
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 16384
#: The longest key line read: a 16384-bit RSA key and a long comment fit well inside.
MAX_LINE_CHARS = 8192
MAX_LABEL_CHARS = 100
# An uncompressed point (0x04, x, y) on each NIST curve, by its name in the blob.
_CURVE_POINT_BYTES = {"nistp256": 65, "nistp384": 97, "nistp521": 133}
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")


def _refuse(problem: str) -> InputError:
    return InputError(f"public key: {problem}", FIELD)


@dataclass(frozen=True)
class PublicKey:
    """A checked public key: its algorithm, the key blob, the line's comment and its size."""

    algorithm: str
    blob: bytes
    comment: str
    bits: int  # the RSA modulus's bits, the curve's size, or 256 for Ed25519

    @property
    def base64(self) -> str:
        """The blob as an OpenSSH line writes it (padded base64)."""
        return base64.b64encode(self.blob).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """OpenSSH's fingerprint, as `ssh-keygen -l` and the server's log print it."""
        return fingerprint_of(self.blob)

    def line(self) -> str:
        """The key as one OpenSSH line, without its comment."""
        return f"{self.algorithm} {self.base64}"


def fingerprint_of(blob: bytes) -> str:
    """ "SHA256:" and the unpadded base64 of the blob's SHA-256."""
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii")
    return "SHA256:" + digest.rstrip("=")


class _Blob:
    """Reads the length-prefixed fields of a key blob, refusing one cut short."""

    def __init__(self, data: bytes, algorithm: str) -> None:
        self._data = data
        self._at = 0
        self._algorithm = algorithm

    def field(self) -> bytes:
        if self._at + 4 > len(self._data):
            raise self.malformed()
        size = int.from_bytes(self._data[self._at : self._at + 4], "big")
        start, self._at = self._at + 4, self._at + 4 + size
        if self._at > len(self._data):
            raise self.malformed()
        return self._data[start : self._at]

    def text(self) -> str:
        try:
            return self.field().decode("ascii")
        except UnicodeDecodeError:
            raise self.malformed() from None

    def end(self) -> None:
        if self._at != len(self._data):
            raise self.malformed("has data after the key")

    def malformed(self, how: str = "is cut short or garbled") -> InputError:
        return _refuse(f"the {self._algorithm} key data {how}; copy the whole line again")


def _rsa_bits(blob: _Blob) -> int:
    exponent, modulus = blob.field(), blob.field()
    if not exponent or not modulus or modulus[0] & 0x80 or exponent[0] & 0x80:
        raise blob.malformed()  # mpints are positive here: a set top bit would be negative
    bits = int.from_bytes(modulus, "big").bit_length()
    if bits < MIN_RSA_BITS:
        raise _refuse(
            f"an RSA key of {bits} bits is too weak; use at least {MIN_RSA_BITS} bits, "
            "or better an Ed25519 key (ssh-keygen -t ed25519)"
        )
    if bits > MAX_RSA_BITS:
        raise _refuse(f"an RSA key of {bits} bits is longer than {MAX_RSA_BITS}, the most read")
    return bits


def _ecdsa_bits(blob: _Blob, curve: str) -> int:
    named = blob.text()
    if named != curve:
        raise _refuse(f"the key data is on curve {named!r}, but the line says {curve}")
    point = blob.field()
    if len(point) != _CURVE_POINT_BYTES[curve] or point[0] != 4:
        raise blob.malformed()
    return int(curve.removeprefix("nistp"))


def _read_blob(algorithm: str, data: bytes) -> int:
    """The key's size in bits, once its blob is whole and says `algorithm`."""
    blob = _Blob(data, algorithm)
    named = blob.text()
    if named != algorithm:
        raise _refuse(f"the key data is a {named or 'nameless'} key, but the line says {algorithm}")
    if algorithm in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
        if len(blob.field()) != 32:
            raise blob.malformed()
        bits = 256
    elif algorithm == "ssh-rsa":
        bits = _rsa_bits(blob)
    else:
        curve = algorithm.removeprefix("sk-").split("-")[2].split("@")[0]
        bits = _ecdsa_bits(blob, curve)
    if algorithm.startswith("sk-"):
        blob.text()  # the security key's application, usually "ssh:"
    blob.end()
    return bits


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise _refuse("none given; paste the one line of your .pub file (~/.ssh/id_ed25519.pub)")
    if lines[0].startswith("-----BEGIN") and "PRIVATE KEY" in lines[0]:
        raise _refuse(
            "this is a private key, which must never leave your computer; "
            "give the public key, the .pub file beside it"
        )
    if lines[0].startswith("---- BEGIN SSH2 PUBLIC KEY"):
        raise _refuse(
            "this is an RFC 4716 key; convert it to OpenSSH's one line with ssh-keygen -i -f FILE"
        )
    if len(lines) > 1:
        raise _refuse(f"give one key on one line, not {len(lines)} lines")
    line = lines[0]
    if len(line) > MAX_LINE_CHARS:
        raise _refuse(f"the line is {len(line):,} characters, more than any key's")
    if _CONTROL.search(line):
        raise _refuse("the line holds a control character; copy it from the .pub file again")
    return line


def parse_public_key(text: str) -> PublicKey:
    """The key on one OpenSSH line "ALGORITHM BASE64 [comment]", checked; InputError else."""
    words = _one_line(text).split()
    algorithm = words[0]
    if algorithm not in ALGORITHMS:
        if any(word in ALGORITHMS for word in words[1:]):
            raise _refuse(
                "give the key line alone, starting with its type, without "
                "authorized_keys options before it"
            )
        raise _refuse(
            f"{algorithm[:40]!r} is not a key type equipshare accepts; "
            f"use one of {', '.join(ALGORITHMS)}"
        )
    if len(words) < 2:
        raise _refuse(f"the base64 key data is missing after {algorithm}")
    try:
        data = base64.b64decode(words[1], validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(f"the key data after {algorithm} is not base64") from None
    bits = _read_blob(algorithm, data)
    return PublicKey(algorithm, data, " ".join(words[2:]), bits)


def checked_label(text: str) -> str:
    """A key's label: one line, spaces made single, at most MAX_LABEL_CHARS characters."""
    if _CONTROL.search(text):
        raise InputError("label: holds a control character; type plain text", "label")
    label = " ".join(text.split())
    if len(label) > MAX_LABEL_CHARS:
        raise InputError(f"label: at most {MAX_LABEL_CHARS} characters, not {len(label)}", "label")
    return label


def default_label(key: PublicKey) -> str:
    """The key's comment (often user@host) as its label, trimmed to fit."""
    return " ".join(key.comment.split())[:MAX_LABEL_CHARS]


def plausible_fingerprint(text: str) -> bool:
    """Whether `text` has the shape of a SHA256 fingerprint (checked before any query)."""
    return _FINGERPRINT.fullmatch(text) is not None


def checked_fingerprint(text: str) -> str:
    """A fingerprint as typed ("SHA256:..." or just its base64), or InputError naming it."""
    shown = text.strip()
    wanted = shown if shown.startswith("SHA256:") else f"SHA256:{shown}"
    if not plausible_fingerprint(wanted):
        raise InputError(
            f"fingerprint: {shown[:60]!r} is not a SHA256 fingerprint like "
            "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s; "
            "`equipshare users keys list` shows them",
            "fingerprint",
        )
    return wanted
