"""simnet – ein Netzwerk-Labor in reinem Python.

Pakete reisen durch simulierte Linux-Knoten (Routing, ARP, iptables, NAT,
conntrack); jeder Befehl gibt aus, was das echte Werkzeug auf Debian 12
ausgibt, und jedes Paket hinterlässt eine Spur mit Begründung.
"""
import gc as _gc

# Importing makes some ten thousand functions, classes and dicts that all live on; the cyclic garbage
# collector, woken every 700 allocations, would walk them again and again. It waits until the package
# stands (the state it had comes back, with the new objects in the oldest generation). The program
# `simnet` then moves them out of its sight for good (simnet.cli.main: gc.freeze) (issue 20).
_gc_was_enabled = _gc.isenabled()
_gc.disable()
try:
    from simnet.core import bundle as _bundle

    _bundle.install(__path__[0])    # simnet's modules from one file, not searched one by one (issue 20)

    from simnet.core import dccache as _dccache

    _dccache.install()    # before the first dataclass: their methods' bytecode from the cache (issue 20)

    from simnet.core.errors import (CommandError, ConfigError, KernelError, LabError,  # noqa: E402
                                     ServiceError, SimnetError)
    from simnet.lab import Lab, Result  # noqa: E402
    from simnet.trace import Disposition, Hop, PacketTrace, Step, Trace  # noqa: E402
finally:
    if _gc_was_enabled:
        if not _gc.get_freeze_count():
            # what the import made goes to the oldest generation as it is (two list splices): else the
            # first allocation after enable() walks all of it as one young generation (issue 20)
            _gc.freeze()
            _gc.unfreeze()
        _gc.enable()

__all__ = ["Lab", "Result", "Trace", "PacketTrace", "Hop", "Step", "Disposition",
           "SimnetError", "LabError", "KernelError", "CommandError", "ServiceError", "ConfigError"]
__version__ = "0.1.0"
