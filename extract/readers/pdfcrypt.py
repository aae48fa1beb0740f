"""Stream decryption for the PDF bomb guard: an encrypted PDF's streams are ciphertext, and a guard
that cannot read them cannot size them — while PDFium opens such a file with the empty user
password (most government PDFs are "encrypted" only to forbid copying) and inflates whatever it
holds.  So the guard derives the file key as PDFium does for the empty password, for the standard
security handler (revisions 2–6: RC4 40–128 bits, AES-128, AES-256), and measures each stream both
as written and decrypted (a stream a trick leaves unencrypted is measured too).

Ciphers come from `cryptography` (RC4 from its `decrepit` module).  A handler other than the
standard one, or a file that the empty password does not open, gives no key: PDFium cannot open
such a file either, so its streams are measured as written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def stream_decryptor(objects) -> Callable[[object, bytes], list[bytes]]:
    """For each stream, the byte strings to measure: its data, and its decryption if encrypted."""
    encrypt = _encrypt_dictionary(objects)
    if encrypt is None:
        return lambda _stream, raw: [raw]
    try:
        key, method = _file_key(objects, encrypt)
    except (ValueError, TypeError, KeyError, IndexError):
        key, method = None, None
    if key is None or method is None:
        return lambda _stream, raw: [raw]

    def decrypt(stream, raw: bytes) -> list[bytes]:
        try:
            plain = _decrypt(key, method, stream.num, stream.gen, raw)
        except ValueError:
            return [raw]
        return [raw, plain]

    return decrypt


def _encrypt_dictionary(objects) -> dict | None:
    """The /Encrypt dictionary of any trailer or cross-reference stream, resolved."""
    from .pdfstreams import Name, parse_value

    data = objects.data
    candidates: list[object] = []
    pos = data.find(b"trailer")
    while pos >= 0:
        value, _ = parse_value(data, pos + 7)
        if isinstance(value, dict):
            candidates.append(value)
        pos = data.find(b"trailer", pos + 7)
    candidates.extend(s.info for s in objects.streams if "Encrypt" in s.info)
    for trailer in candidates:
        if not isinstance(trailer, dict) or "Encrypt" not in trailer:
            continue
        for value in objects.resolve(trailer["Encrypt"]):
            if isinstance(value, dict) and value.get("Filter") == Name("Standard"):
                ids = [i for i in objects.resolve(trailer.get("ID")) if isinstance(i, list)]
                first = objects.resolve(ids[0][0]) if ids and ids[0] else []
                return {**value, "_id": first[0] if first and isinstance(first[0], bytes) else b""}
    return None


def _num(objects, info: dict, key: str, default: int) -> int:
    values = [v for v in objects.resolve(info.get(key)) if isinstance(v, int)]
    return values[0] if values else default


def _bytes(objects, info: dict, key: str) -> bytes:
    values = [v for v in objects.resolve(info.get(key)) if isinstance(v, bytes)]
    return values[0] if values else b""


def _file_key(objects, encrypt: dict) -> tuple[bytes | None, str | None]:
    v = _num(objects, encrypt, "V", 0)
    r = _num(objects, encrypt, "R", 2)
    method = "RC4"
    if v >= 4:
        method = _crypt_method(objects, encrypt)
        if method == "Identity":
            return None, None
    if r >= 5:
        return _key_aes256(r, _bytes(objects, encrypt, "U"), _bytes(objects, encrypt, "UE")), "AESV3"
    length = _num(objects, encrypt, "Length", 40) // 8 if v >= 2 else 5
    length = max(5, min(length, 16))
    p = _num(objects, encrypt, "P", 0) & 0xFFFFFFFF
    h = hashlib.md5(PAD + _bytes(objects, encrypt, "O")[:32] + p.to_bytes(4, "little") + encrypt["_id"])
    if r >= 4 and encrypt.get("EncryptMetadata") == "false":
        h.update(b"\xff\xff\xff\xff")
    key = h.digest()
    if r >= 3:
        for _ in range(50):
            key = hashlib.md5(key[:length]).digest()
    return key[:length], method


def _crypt_method(objects, encrypt: dict) -> str:
    """The method of the crypt filter that /StmF names (V4): RC4 (V2), AESV2, AESV3 or Identity."""
    from .pdfstreams import Name

    stmf = [n for n in objects.resolve(encrypt.get("StmF")) if isinstance(n, Name)]
    if not stmf or stmf[0] == "Identity":
        return "Identity"
    filters = [f for f in objects.resolve(encrypt.get("CF")) if isinstance(f, dict)]
    entry = [e for f in filters for e in objects.resolve(f.get(stmf[0])) if isinstance(e, dict)]
    cfm = [m for e in entry for m in objects.resolve(e.get("CFM")) if isinstance(m, Name)]
    return {"V2": "RC4", "AESV2": "AESV2", "AESV3": "AESV3", "None": "Identity"}.get(cfm[0] if cfm else "", "Identity")


def _key_aes256(r: int, u: bytes, ue: bytes) -> bytes | None:
    """Revision 5 and 6: the file key, decrypted from /UE with the hash of the empty password."""
    if len(u) < 48 or len(ue) < 32:
        return None
    salt = u[40:48]
    k = hashlib.sha256(salt).digest() if r == 5 else _hash_2b(b"", salt)
    return _aes_cbc(k, bytes(16), ue[:32], decrypt=True)


def _hash_2b(password: bytes, salt: bytes) -> bytes:
    """ISO 32000-2 algorithm 2.B (revision 6), for the user password (no user-key data)."""
    k = hashlib.sha256(password + salt).digest()
    i = 0
    while True:
        e = _aes_cbc(k[:16], k[16:32], (password + k) * 64, decrypt=False)
        k = (hashlib.sha256, hashlib.sha384, hashlib.sha512)[int.from_bytes(e[:16], "big") % 3](e).digest()
        i += 1
        if i >= 64 and e[-1] <= i - 32:
            return k[:32]


def _aes_cbc(key: bytes, iv: bytes, data: bytes, *, decrypt: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(data) + op.finalize()


def _decrypt(key: bytes, method: str, num: int, gen: int, data: bytes) -> bytes:
    if method == "AESV3":
        obj_key = key
    else:
        salt = b"sAlT" if method == "AESV2" else b""
        obj_key = hashlib.md5(key + num.to_bytes(4, "little")[:3] + gen.to_bytes(4, "little")[:2] + salt
                              ).digest()[:min(len(key) + 5, 16)]
    if method == "RC4":
        from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
        from cryptography.hazmat.primitives.ciphers import Cipher

        return Cipher(ARC4(obj_key), mode=None).decryptor().update(data)
    if len(data) < 32:
        raise ValueError("too short for AES")
    body = data[16:len(data) - (len(data) - 16) % 16]
    return _aes_cbc(obj_key, data[:16], body, decrypt=True)
