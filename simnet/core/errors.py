"""simnet's one exception family.

Every error simnet raises on purpose derives from :class:`SimnetError`, so a notebook or a
tool built on simnet can catch all of them with one ``except`` while a real bug (a
``TypeError``, a ``KeyError``) still surfaces as one. The branches also derive from the
builtin the error stands for: a broken lab file is a ``ValueError``, a refused kernel request
an ``OSError``; code that caught those builtins before keeps working.

The leaves live next to the code that raises them (``simnet.kernel.nftables.errors``,
``simnet.kernel.routing.RouteError`` …); only the roots are here, at the bottom of the layers,
so the kernel can use them without importing anything above it.
"""
from __future__ import annotations

__all__ = ["SimnetError", "LabError", "KernelError", "CommandError", "ServiceError", "ConfigError"]


class SimnetError(Exception):
    """The root: anything simnet refuses on purpose, with a message meant for a person."""


class LabError(SimnetError, ValueError):
    """A lab file or dict is broken, or a lab is asked for something it lacks; the message is
    German and names file and key path."""


class KernelError(SimnetError, OSError):
    """A request the kernel refuses: ``errno_text`` is its strerror ("File exists"), ``extack``
    the optional extended-ack message netlink adds ("ipv4: Address already assigned").

    The nf_tables write API (:mod:`simnet.kernel.nftables.errors`), routes, sockets and
    sysctl raise subclasses; each front end words them as its real tool does.
    """

    def __init__(self, errno_text: str, extack: str | None = None) -> None:
        OSError.__init__(self, extack or errno_text)
        self.errno_text = errno_text
        self.extack = extack

    @property
    def ip_message(self) -> str:
        """How iproute2 prints it."""
        if self.extack:
            return f"Error: {self.extack}."
        return f"RTNETLINK answers: {self.errno_text}"


class CommandError(SimnetError):
    """A command's own refusal (bad option, syntax error): the program prints it and exits
    with a status, never a traceback."""


class ServiceError(SimnetError):
    """A daemon (headscale, ufw, nginx, radvd …) refuses a request or its state."""


class ConfigError(ServiceError):
    """A configuration file or value a service cannot use."""
