"""Real OpenSSH public keys, and the fingerprints and sizes `ssh-keygen -l` printed for them.

Made once with `ssh-keygen -t ... -N ''` (OpenSSH 9.2; the private halves were thrown
away), so the tests need no ssh-keygen. The two security-key (sk-) lines were built from
the Ed25519 and P-256 keys' points with the application "ssh:", as a FIDO token makes
them, and ssh-keygen read them back with the fingerprints below.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownKey:
    """A public key line with what ssh-keygen says of it."""

    line: str
    fingerprint: str
    bits: int


ED25519 = KnownKey(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA3G8+P2/qLfwxp84uacFxiw5n+9Dv3e3Hkp5IWOPQBg alice@laptop",
    "SHA256:QkQTeZ/Tmz0wsPRfHXN40Z26XTVgfgn8MnoJt16Nlz4",
    256,
)
ED25519_BOB = KnownKey(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIONlGK9bTGrUeYBmWpEagyTRCunjXRSyU78Lh0K7diIf bob@desk",
    "SHA256:kmmdN6UxVtNGNAHGjvk1RjhWVGzm1RFww98XydAeLyA",
    256,
)
ECDSA_P256 = KnownKey(
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNEIR4om+Zul+aL3lKi+zxUIVWSa"
    "zzC5vKRfNuyVv2cd70+McXiWc+3ND1EckDDCKYsflZMefnta5pdAQ9eTyQU="
    " p256",
    "SHA256:bPx8YF6gKdUqUzEPYK2S7qxE3xajvAhhqA7U2TARvNk",
    256,
)
ECDSA_P384 = KnownKey(
    "ecdsa-sha2-nistp384 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBHM4I89wQCQcJoZ73D7E5NsCYPow"
    "YXvHhVsF7ExdwRCDmwz+12mr2cn4rZc02f847tITGHni0Q0mASEIc1zTcg/9geKmXCksWvci74yc5/oE"
    "pzPYGdSQphyO+57bWUNQ4g=="
    " p384",
    "SHA256:mScNToM0dC3reJnZoj9EEZ1to5547lYyVzScDAZCXis",
    384,
)
ECDSA_P521 = KnownKey(
    "ecdsa-sha2-nistp521 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABDHsi/ZSWPo2LxN8Zvv7uyH96M"
    "c25WpED+IDmlJdPVOAJMevBw3vXAow+dqdiyjDdOV5NyDVGsjsIZp64/dyziMQEvdeOFUXbqKsWq/f8N"
    "75lqBRri25OuezL35m95vqjA49orvepVvtiF4F6dpkTZn9gPP6IJkpEaw/I8kyMhHk5PAw=="
    " p521",
    "SHA256:bfiqfUln5Sz6MMxccWmnMiHQkligzQE5Gc7lV0KKnrE",
    521,
)
RSA_2048 = KnownKey(
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDn3qKYTP696nZtwCyaO1l+PgfmXeeLnmgIK8JUpyatj+J0Kw+y"
    "hZmA4qUa2ZQTWxVK9pDaM+3XTzVbiI73DYi9u7pgmNWDe2Go1I5emk7CW7PRIp28lBa8FtqHYsX6aw4a"
    "+cdZOY+dlElhFgc4958FI/TdhMu0F6aVb3Gbgi43uhkmbYl7dipOY0u6Qak+KZ/Hbb+lxRukGPWp/yH8"
    "gNf74cdzYcFdGm8XXRTwYc2b6cmVMLbs8FLUoU/OLfilUR9Cy8lexcH5KVwM7bh8jf4MGI739oFIfolw"
    "m7EameCFd+A7kp+MS8onWOafM/itvm5r7LNG7oXaqlj+2cUCXpWd"
    " rsa2048",
    "SHA256:EtCELUrMOcwI9LGsatTnVVfwTaBmg1bPYWmngBDHQS4",
    2048,
)
RSA_1024 = KnownKey(
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDFTnea5LzXmBSyq6gWWmzoQvwKv9QvRCV0iqUaJKXQxTkX21hF"
    "GW+ZLu/q1i0XtvyHp/fg/QC//X2XlSgbqUnHMTyAOgGgeJTy8PETEUofM2sAcZYslrdxOMg+RxODGjPK"
    "0HegazzEhkAmUh/RQsCVdpjrOfeI9UxriBeswZdo2Q=="
    " rsa1024",
    "SHA256:+nk1eAN7wDybM6UUGyuAzmFSx4vWAc7rJ9CVUibiXPU",
    1024,
)
SK_ED25519 = KnownKey(
    "sk-ssh-ed25519@openssh.com "
    "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIONlGK9bTGrUeYBmWpEagyTRCunjXRSyU78L"
    "h0K7diIfAAAABHNzaDo="
    " yubikey",
    "SHA256:wRYis8yZlxkTwmwrMby68QwQzbcDgzY0cIhZkr1C+qc",
    256,
)
SK_ECDSA_P256 = KnownKey(
    "sk-ecdsa-sha2-nistp256@openssh.com "
    "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBNEIR4om"
    "+Zul+aL3lKi+zxUIVWSazzC5vKRfNuyVv2cd70+McXiWc+3ND1EckDDCKYsflZMefnta5pdAQ9eTyQUA"
    "AAAEc3NoOg=="
    " solokey",
    "SHA256:TaxvGGWa1fJdxsRT3KLyxr5OZtBW4ryhGmJTsfGkdxg",
    256,
)

VALID = (ED25519, ECDSA_P256, ECDSA_P384, ECDSA_P521, RSA_2048, SK_ED25519, SK_ECDSA_P256)


def ed25519_line(seed: int | str, comment: str = "") -> str:
    """A well-formed Ed25519 public key line of its own for each `seed`, for tests that need
    many keys (equipshare reads the key's format, not its point; the server checks that)."""
    point = hashlib.sha256(f"equipshare test key {seed}".encode()).digest()
    blob = b"".join(struct.pack(">I", len(part)) + part for part in (b"ssh-ed25519", point))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}".strip()
