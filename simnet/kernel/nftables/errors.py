"""The errno answers of nf_tables' netlink interface, as typed exceptions.

The front ends (iptables, nft, ufw) turn them into their own wording: iptables says
``iptables: Chain already exists.``, nft ``Error: Could not process rule: File exists``
with carets under the object named by :attr:`NftError.obj`.
"""
from __future__ import annotations

import errno
import os

from simnet.core.errors import KernelError

__all__ = ["NftError", "NoEntry", "Exists", "Busy", "Invalid", "NotSupported", "TooManyLinks", "Loop"]


class NftError(KernelError):
    """A refused nf_tables request. ``obj`` says what the kernel could not find or accept
    ("table", "chain", "rule", "set", "element", "jump"), ``name`` its name."""

    code = errno.EINVAL

    def __init__(self, obj: str = "", name: str = "") -> None:
        OSError.__init__(self, self.code, os.strerror(self.code))
        self.errno_text = os.strerror(self.code)
        self.extack = None
        self.obj = obj
        self.name = name

    def __str__(self) -> str:
        return self.strerror or ""


class NoEntry(NftError):
    """ENOENT "No such file or directory": table, chain, rule handle, set or jump target missing."""

    code = errno.ENOENT


class Exists(NftError):
    """EEXIST "File exists": ``create`` of an existing object, a rename onto a taken name."""

    code = errno.EEXIST


class Busy(NftError):
    """EBUSY "Device or resource busy": a chain still jumped to (or not empty when deleted
    non-recursively, as iptables-nft asks), a table or set still in use."""

    code = errno.EBUSY


class Invalid(NftError):
    """EINVAL "Invalid argument"."""

    code = errno.EINVAL


class NotSupported(NftError):
    """EOPNOTSUPP "Operation not supported": e.g. renaming a base chain, a hook change."""

    code = errno.EOPNOTSUPP


class TooManyLinks(NftError):
    """EMLINK "Too many links": a jump that closes a loop reachable from a base chain."""

    code = errno.EMLINK


class Loop(NftError):
    """ELOOP "Too many levels of symbolic links"."""

    code = errno.ELOOP
