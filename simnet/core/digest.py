"""SHA-256 without loading OpenSSL: the lab's stable MACs, keys and certificates hash names with it.

``import hashlib`` loads libcrypto (about 10 ms, a tenth of ``import simnet``); CPython's own
``_sha2`` / ``_sha256`` module gives the same digests at once, and Pyodide ships it too.
"""
from __future__ import annotations

try:                                   # CPython ≥ 3.12
    from _sha2 import sha256  # type: ignore[import-not-found]
except ImportError:                    # pragma: no cover - depends on the interpreter
    try:                               # CPython 3.11
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        from hashlib import sha256

__all__ = ["sha256"]
