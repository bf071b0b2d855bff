"""simnet – ein Netzwerk-Labor in reinem Python.

Pakete reisen durch simulierte Linux-Knoten (Routing, ARP, iptables, NAT,
conntrack); jeder Befehl gibt aus, was das echte Werkzeug auf Debian 12
ausgibt, und jedes Paket hinterlässt eine Spur mit Begründung.
"""
from simnet.lab import Lab, LabError, Result
from simnet.trace import Disposition, Hop, PacketTrace, Step, Trace

__all__ = ["Lab", "LabError", "Result", "Trace", "PacketTrace", "Hop", "Step", "Disposition"]
__version__ = "0.1.0"
