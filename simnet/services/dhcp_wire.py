"""What a DHCP packet carries (RFC 2131 over BOOTP) and how tcpdump 4.99 prints it.

A message is a value, not bytes: op (request/reply), the transaction id, the
client's hardware address, ciaddr/yiaddr/siaddr and the options in the order
they travel (the order tcpdump's ``-v`` shows them). Both sides pad to the
BOOTP minimum of 300 bytes, as dhclient and dnsmasq do, so every DHCP packet
is ``length 300`` in tcpdump.
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

__all__ = ["DhcpMessage", "bootp_text", "CLIENT_PORT", "SERVER_PORT", "PRL", "MESSAGE_TYPES"]

CLIENT_PORT, SERVER_PORT = 68, 67
ZERO = IPv4Address(0)
MESSAGE_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NACK", 7: "Release",
                 8: "Inform"}
# dhclient.conf's "request" line on Debian 12, as option codes in the order it sends them
PRL = (1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42)
# tcpdump's names (print-bootp.c tag2str) for the options simnet uses
OPTION_NAMES = {1: "Subnet-Mask", 2: "Time-Zone", 3: "Default-Gateway", 6: "Domain-Name-Server", 12: "Hostname",
                15: "Domain-Name", 26: "MTU", 28: "BR", 42: "NTP", 44: "Netbios-Name-Server",
                47: "Netbios-Scope", 50: "Requested-IP", 51: "Lease-Time", 53: "DHCP-Message", 54: "Server-ID",
                55: "Parameter-Request", 58: "RN", 59: "RB", 121: "Classless-Static-Route"}


@dataclass(frozen=True, slots=True)
class DhcpMessage:
    """One BOOTP/DHCP message; ``options`` is ((code, value), ...) in wire order."""

    op: int                      # 1 BOOTREQUEST, 2 BOOTREPLY
    xid: int
    chaddr: Any                  # the client's MacAddress
    msgtype: int
    options: tuple[tuple[int, Any], ...] = ()
    ciaddr: IPv4Address = ZERO
    yiaddr: IPv4Address = ZERO
    siaddr: IPv4Address = ZERO

    @property
    def length(self) -> int:
        return 300

    def option(self, code: int, default: Any = None) -> Any:
        for c, value in self.options:
            if c == code:
                return value
        return default

    @property
    def kind(self) -> str:
        return MESSAGE_TYPES.get(self.msgtype, "Unknown")


def _value(code: int, value: Any) -> tuple[int, str]:
    """(length, text) of one option as print-bootp.c shows it."""
    if code == 53:
        return 1, MESSAGE_TYPES.get(int(value), str(value))
    if code in (12, 15):
        return len(str(value)), f'"{value}"'
    if code in (51, 58, 59):
        return 4, str(int(value))
    if isinstance(value, (list, tuple)):
        return 4 * len(value), ",".join(str(v) for v in value)
    return 4, str(value)


def bootp_text(msg: DhcpMessage, verbose: bool, length: int = 300) -> str:
    """The part after ``IP a.68 > b.67: ``; with ``verbose`` the lines bootp_print adds under it."""
    head = (f"BOOTP/DHCP, Request from {msg.chaddr}, length {length}" if msg.op == 1
            else f"BOOTP/DHCP, Reply, length {length}")
    if not verbose:
        return head
    lines = [f"{head}, xid {msg.xid:#x}, Flags [none]"]
    if msg.ciaddr != ZERO:
        lines.append(f"\t  Client-IP {msg.ciaddr}")
    if msg.yiaddr != ZERO:
        lines.append(f"\t  Your-IP {msg.yiaddr}")
    if msg.siaddr != ZERO:
        lines.append(f"\t  Server-IP {msg.siaddr}")
    lines += [f"\t  Client-Ethernet-Address {msg.chaddr}", "\t  Vendor-rfc1048 Extensions",
              "\t    Magic Cookie 0x63825363"]
    for code, value in msg.options:
        name = OPTION_NAMES.get(code, "Unknown")
        if code == 55:
            lines.append(f"\t    {name} ({code}), length {len(value)}: ")
            names = [f"{OPTION_NAMES.get(c, 'Unknown')} ({c})" for c in value]
            for i in range(0, len(names), 4):
                lines.append("\t      " + ", ".join(names[i:i + 4]))
            continue
        length, text = _value(code, value)
        lines.append(f"\t    {name} ({code}), length {length}: {text}")
    return "\n".join(lines)
