"""OpenSSH public key lines: each accepted type read as ssh-keygen reads it, and each kind of
bad line refused in one line that says what is wrong."""

from __future__ import annotations

import base64
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equipshare.domain.errors import InputError
from equipshare.domain.inputs.ssh_keys import (
    MAX_LABEL_CHARS,
    checked_fingerprint,
    checked_label,
    default_label,
    fingerprint_of,
    parse_public_key,
    plausible_fingerprint,
)
from tests.support.ssh_keys import (
    ECDSA_P256,
    ECDSA_P384,
    ED25519,
    RSA_1024,
    RSA_2048,
    SK_ED25519,
    VALID,
    KnownKey,
)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _fields(line: str) -> list[bytes]:
    blob, found, at = base64.b64decode(line.split()[1]), [], 0
    while at < len(blob):
        size = struct.unpack(">I", blob[at : at + 4])[0]
        found.append(blob[at + 4 : at + 4 + size])
        at += 4 + size
    return found


def _line(algorithm: str, blob: bytes, comment: str = "") -> str:
    return f"{algorithm} {base64.b64encode(blob).decode()} {comment}".strip()


def refusal(text: str) -> str:
    with pytest.raises(InputError) as refused:
        parse_public_key(text)
    assert refused.value.field == "public_key"
    message = str(refused.value)
    assert message.startswith("public key: ") and "\n" not in message
    return message


@pytest.mark.parametrize("known", VALID, ids=lambda k: k.line.split()[0])
def test_every_accepted_type_reads_as_ssh_keygen_reads_it(known: KnownKey) -> None:
    algorithm, data, comment = known.line.split(" ", 2)
    key = parse_public_key(known.line)
    assert key.algorithm == algorithm
    assert key.fingerprint == known.fingerprint  # what `ssh-keygen -l` printed
    assert key.bits == known.bits
    assert key.comment == comment
    assert key.base64 == data
    assert key.line() == f"{algorithm} {data}"


def test_spaces_a_trailing_newline_and_a_missing_comment_are_fine() -> None:
    algorithm, data, _ = ED25519.line.split(" ", 2)
    key = parse_public_key(f"\n  {algorithm}\t{data}   \r\n\n")
    assert key.fingerprint == ED25519.fingerprint
    assert key.comment == "" and default_label(key) == ""
    spaced = parse_public_key(f"{algorithm} {data} Alice's   laptop  (2026)")
    assert default_label(spaced) == "Alice's laptop (2026)"


def test_the_fingerprint_is_unpadded_base64_of_the_blobs_sha256() -> None:
    key = parse_public_key(RSA_2048.line)
    assert fingerprint_of(key.blob) == RSA_2048.fingerprint
    assert not key.fingerprint.endswith("=") and len(key.fingerprint) == len("SHA256:") + 43


def test_an_rsa_key_under_2048_bits_is_refused_naming_its_size() -> None:
    message = refusal(RSA_1024.line)
    assert "1024 bits is too weak" in message and "at least 2048" in message


def test_a_private_key_is_refused_saying_to_give_the_pub_file() -> None:
    pasted = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END ..."
    assert "private key" in refusal(pasted) and ".pub" in refusal(pasted)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "none given"),
        ("  \n\t\n", "none given"),
        ("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----", "ssh-keygen -i"),
        (f"{ED25519.line}\n{RSA_2048.line}", "one key on one line, not 2 lines"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "'ssh-dss' is not a key type"),
        ("ssh-ed25519-cert-v01@openssh.com AAAA", "is not a key type"),
        (f'from="10.0.0.0/8",no-pty {ED25519.line}', "without authorized_keys options"),
        ("ssh-ed25519", "base64 key data is missing"),
        ("ssh-ed25519 not*base64!", "is not base64"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA3G8+P2/q", "is not base64"),  # bad padding
        (f"ssh-rsa {ED25519.line.split()[1]}", "is a ssh-ed25519 key, but the line says ssh-rsa"),
        (f"{ED25519.line.split()[0]} {ED25519.line.split()[1]}\x1b[31m", "control character"),
        ("ssh-ed25519 " + "A" * 9000, "more than any key's"),
    ],
)
def test_a_bad_line_is_refused_saying_what_is_wrong(text: str, says: str) -> None:
    assert says in refusal(text)


def test_key_data_cut_short_or_with_more_after_it_is_refused() -> None:
    blob = base64.b64decode(ED25519.line.split()[1])
    assert "cut short" in refusal(_line("ssh-ed25519", blob[:-5]))
    assert "has data after the key" in refusal(_line("ssh-ed25519", blob + _string(b"x")))
    assert "cut short" in refusal(_line("ssh-ed25519", blob[:3]))  # not even a length


def test_an_ecdsa_key_must_be_on_the_curve_its_type_names() -> None:
    algorithm, _, point = _fields(ECDSA_P384.line)
    wrong_curve = _string(b"ecdsa-sha2-nistp256") + _string(b"nistp384") + _string(point)
    assert "on curve 'nistp384'" in refusal(_line("ecdsa-sha2-nistp256", wrong_curve))
    _, curve, p256 = _fields(ECDSA_P256.line)
    short = _string(b"ecdsa-sha2-nistp256") + _string(curve) + _string(p256[:-1])
    assert "cut short or garbled" in refusal(_line("ecdsa-sha2-nistp256", short))
    assert algorithm == b"ecdsa-sha2-nistp384"


def test_a_security_key_needs_its_application() -> None:
    algorithm, point, _application = _fields(SK_ED25519.line)
    bare = _string(algorithm) + _string(point)
    assert "cut short" in refusal(_line("sk-ssh-ed25519@openssh.com", bare))


def test_a_negative_or_empty_rsa_modulus_is_malformed() -> None:
    _, exponent, modulus = _fields(RSA_2048.line)
    negative = _string(b"ssh-rsa") + _string(exponent) + _string(b"\x80" + modulus[1:])
    assert "cut short or garbled" in refusal(_line("ssh-rsa", negative))
    empty = _string(b"ssh-rsa") + _string(exponent) + _string(b"")
    assert "cut short or garbled" in refusal(_line("ssh-rsa", empty))


@given(st.text(max_size=300))
def test_any_text_is_a_key_or_one_refusal(text: str) -> None:
    try:
        parse_public_key(text)
    except InputError as refused:
        assert refused.field == "public_key"


def test_fingerprints_are_read_with_or_without_their_prefix() -> None:
    digest = ED25519.fingerprint.removeprefix("SHA256:")
    assert checked_fingerprint(f"  {ED25519.fingerprint} ") == ED25519.fingerprint
    assert checked_fingerprint(digest) == ED25519.fingerprint
    assert plausible_fingerprint(ED25519.fingerprint) and not plausible_fingerprint(digest)
    for bad in ("MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "SHA256:short", ""):
        with pytest.raises(InputError, match="is not a SHA256 fingerprint") as refused:
            checked_fingerprint(bad)
        assert refused.value.field == "fingerprint"


def test_a_label_is_one_bounded_line() -> None:
    assert checked_label("  work \t laptop ") == "work laptop"
    with pytest.raises(InputError, match="control character") as control:
        checked_label("work\nlaptop")
    with pytest.raises(InputError, match=f"at most {MAX_LABEL_CHARS}") as long:
        checked_label("x" * (MAX_LABEL_CHARS + 1))
    assert control.value.field == long.value.field == "label"
