"""Packet inspector: one captured frame, layer by layer, like Wireshark's tree or Filius' data view.

Why a separate view: the traces say *what happened* to a packet, but the LAP asks what a packet
*is* – which header belongs to which layer (encapsulation) and what each field means. So a
:class:`Mitschnitt` records the frames that pass one interface (the same packet socket tcpdump
uses), and :func:`schichten` unpacks one frame into its layers: Ethernet (MAC addresses, type),
IPv4 (version, TTL, protocol, addresses, DF/fragment), TCP/UDP (ports, flags, seq/ack) or ICMP
(type/code), and the application data – in clear text where it travels in clear text (HTTP, DNS),
as "verschlüsselt" where it does not (TLS, WireGuard). The fields are the ones
``tcpdump -v -e`` prints; :func:`inspect_frame` puts tcpdump's own line on top for comparison.

    from simnet import Lab
    from simnet.views.inspector import Mitschnitt
    lab = Lab.load("heimnetz")
    with Mitschnitt(lab, "proxmox", "eth0") as m:
        lab.run("debian", "ping -c 1 192.168.0.101")
    print(m.text(0))          # first frame as a tree; m.html(0) or just m[0] in a notebook
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from simnet.kernel.capture import Capture, Captured, compile_filter
from simnet.links.packet import ArpPacket, Frame, Icmp, IPv4Packet, Tcp, Udp

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["Layer", "Mitschnitt", "schichten", "inspect_frame", "inspect_html", "OSI_NAMES", "TCPIP_NAMES"]

OSI_NAMES = {1: "Bitübertragungsschicht", 2: "Sicherungsschicht", 3: "Vermittlungsschicht", 4: "Transportschicht",
             5: "Sitzungsschicht", 6: "Darstellungsschicht", 7: "Anwendungsschicht"}
TCPIP_NAMES = {2: "Netzzugangsschicht", 3: "Internetschicht", 4: "Transportschicht", 7: "Anwendungsschicht"}
ICMP_TYPES = {0: "Echo Reply", 3: "Destination Unreachable", 5: "Redirect", 8: "Echo Request", 11: "Time Exceeded"}
UNREACH_CODES = {0: "Net Unreachable", 1: "Host Unreachable", 3: "Port Unreachable",
                 4: "Fragmentation Needed (DF gesetzt)", 13: "Communication Administratively Prohibited"}
WELL_KNOWN = {22: "SSH", 23: "Telnet", 53: "DNS", 67: "DHCP-Server", 68: "DHCP-Client", 80: "HTTP", 123: "NTP",
              443: "HTTPS", 3478: "STUN", 41641: "WireGuard (Tailscale)", 51820: "WireGuard"}
TCP_FLAGS = {"S": "SYN", "F": "FIN", "R": "RST", "P": "PSH", ".": "ACK"}


@dataclass(frozen=True)
class Layer:
    """One header: its name, the OSI layer it belongs to and its fields as (label, value) pairs."""

    name: str
    osi: int
    fields: tuple[tuple[str, str], ...]
    size: int = 0                       # header bytes (0 = no fixed header, e.g. application data)

    @property
    def osi_name(self) -> str:
        return f"OSI {self.osi} {OSI_NAMES[self.osi]}"

    @property
    def tcpip_name(self) -> str:
        return f"TCP/IP {TCPIP_NAMES.get(self.osi, TCPIP_NAMES[7])}"


def _mac(mac: Any) -> str:
    return str(mac)


def _ethernet(frame: Frame) -> Layer:
    kind = "0x0806 (ARP)" if isinstance(frame.payload, ArpPacket) else "0x0800 (IPv4)"
    fields = [("Ziel-MAC", _mac(frame.dst)), ("Quell-MAC", _mac(frame.src))]
    vlan = getattr(frame, "vlan", None)
    if vlan:
        fields.append(("VLAN-Tag (802.1Q)", f"VLAN {vlan}"))
    fields += [("Typ (EtherType)", kind), ("Länge des Rahmens", f"{frame.length} Byte (ohne Präambel und Prüfsumme FCS)")]
    return Layer("Ethernet II", 2, tuple(fields), 18 if vlan else 14)


def _arp(arp: ArpPacket) -> Layer:
    op = "1 (Anfrage: Wer hat …?)" if arp.is_request else "2 (Antwort)"
    return Layer("ARP", 2, (("Operation", op), ("Absender-MAC", _mac(arp.sender_mac)),
                            ("Absender-IP", str(arp.sender_ip)), ("Ziel-MAC", _mac(arp.target_mac)),
                            ("Ziel-IP", str(arp.target_ip))), 28)


def _ipv4(pkt: IPv4Packet, frame: Frame | None) -> Layer:
    proto = {1: "1 (ICMP)", 6: "6 (TCP)", 17: "17 (UDP)"}.get(pkt.proto, str(pkt.proto))
    flags = "DF (Don't Fragment: nicht zerteilen)" if pkt.dont_fragment else "keine"
    frag = "ein Fragment von " + str(len(frame.frags)) if frame is not None and len(frame.frags) > 1 else "0"
    return Layer("IPv4", 3, (
        ("Version", "4"), ("Kopflänge", "20 Byte"), ("TOS", f"{pkt.tos:#x}"),
        ("Gesamtlänge", f"{pkt.length} Byte"), ("Identifikation", str(pkt.ident)), ("Flags", flags),
        ("Fragment-Offset", frag), ("TTL", f"{pkt.ttl} (jeder Router zieht 1 ab)"), ("Protokoll", proto),
        ("Absender", str(pkt.src)), ("Ziel", str(pkt.dst))), 20)


def _port(port: int) -> str:
    return f"{port} ({WELL_KNOWN[port]})" if port in WELL_KNOWN else str(port)


def _icmp(p: Icmp) -> Layer:
    fields = [("Typ", f"{p.type} ({ICMP_TYPES.get(p.type, 'anderer Typ')})")]
    code = UNREACH_CODES.get(p.code, str(p.code)) if p.type == 3 else str(p.code)
    fields.append(("Code", f"{p.code} ({code})" if p.type == 3 else code))
    if p.type in (0, 8):
        fields += [("Kennung (id)", str(p.ident)), ("Folgenummer (seq)", str(p.seq)),
                   ("Nutzdaten", f"{p.data_len} Byte")]
    if p.inner is not None:
        fields.append(("enthält", f"den Kopf des ursprünglichen Pakets {p.inner.src} → {p.inner.dst}"))
    if p.mtu:
        fields.append(("MTU des nächsten Hops", str(p.mtu)))
    if p.gateway is not None:
        fields.append(("besseres Gateway", str(p.gateway)))
    return Layer("ICMP", 3, tuple(fields), 8)


def _tcp(p: Tcp) -> Layer:
    flags = [name for letter, name in TCP_FLAGS.items() if letter in p.flags]
    return Layer("TCP", 4, (
        ("Quellport", _port(p.sport)), ("Zielport", _port(p.dport)), ("Flags", ", ".join(flags) or "keine"),
        ("Folgenummer (seq)", str(p.seq)), ("Bestätigungsnummer (ack)", str(p.ack) if "." in p.flags else "–"),
        ("Fenster", str(p.window)), ("Nutzdaten", f"{p.data_len} Byte")), 20)


def _udp(p: Udp) -> Layer:
    return Layer("UDP", 4, (("Quellport", _port(p.sport)), ("Zielport", _port(p.dport)),
                            ("Länge", f"{8 + p.data_len} Byte (8 Byte Kopf + {p.data_len} Byte Daten)")), 8)


def _application(content: Any, l4: Tcp | Udp) -> Layer | None:
    """The data above TCP/UDP: readable when it travels in clear text, otherwise only its kind."""
    if content is None:
        return None
    kind = type(content).__name__
    if kind == "HttpRequest":
        if content.tls:
            return Layer("TLS", 7, (("Inhalt", f"verschlüsselt ({l4.data_len} Byte)"),
                                    ("sichtbar", f"nur der Servername (SNI) beim Verbindungsaufbau: {content.sni}")))
        lines = [f"{content.method} {content.path} HTTP/1.1", f"Host: {content.host}"]
        lines += [f"{k}: {v}" for k, v in content.headers]
        return Layer("HTTP (Klartext)", 7, tuple(("Zeile", line) for line in lines))
    if kind == "HttpResponse":
        if getattr(content, "certificate", None) is not None or l4.sport == 443:
            return Layer("TLS", 7, (("Inhalt", f"verschlüsselt ({l4.data_len} Byte)"),))
        return Layer("HTTP (Klartext)", 7, (("Statuszeile", f"HTTP/1.1 {content.status} {content.reason}"),))
    if kind == "DnsQuery":
        return Layer("DNS (Klartext)", 7, (("Frage", f"{content.name} {content.qtype}"), ("Kennung", str(content.ident))))
    if kind == "DnsReply":
        records = getattr(content, "records", ()) or tuple((n, t, "A", v) for n, t, v in content.answers)
        answers = ", ".join(f"{n} {t} {rtype} {v}" for n, t, rtype, v in records) or "keine"
        return Layer("DNS (Klartext)", 7, (("Antwortcode", content.rcode), ("Antworten", answers)))
    if kind == "DhcpMessage":
        rows = [("Nachricht", f"DHCP{content.kind.upper()}"), ("Client-MAC", str(content.chaddr)),
                ("Kennung (xid)", f"{content.xid:#x}")]
        if str(content.yiaddr) != "0.0.0.0":
            rows.append(("angebotene Adresse", str(content.yiaddr)))
        names = {1: "Subnetzmaske", 3: "Gateway", 6: "DNS-Server", 15: "Domain", 51: "Lease-Zeit (s)",
                 50: "gewünschte Adresse", 54: "DHCP-Server"}
        for code, value in content.options:
            if code in names:
                text = ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
                rows.append((names[code], text))
        return Layer("DHCP (Klartext)", 7, tuple(rows))
    if kind == "WireGuard":
        what = {"init": "Handshake Initiation", "response": "Handshake Response", "data": "Datenpaket",
                "keepalive": "Keepalive"}.get(content.kind, content.kind)
        return Layer("WireGuard", 7, (("Nachricht", what),
                                      ("Inhalt", "verschlüsselt – das innere IP-Paket ist nicht lesbar")))
    if kind == "SshHello":
        return Layer("SSH", 7, (("Nachricht", "Versionskennung und Schlüsselaustausch (KEXINIT)"),
                                ("sichtbar", "nur die Versionskennung und die angebotenen Verfahren"),
                                ("verschlüsselt", "alles danach: Benutzername, Passwort oder Schlüssel, Befehle")))
    if kind == "SshBanner":
        return Layer("SSH", 7, (("Versionskennung (Klartext)", str(content.version)),
                                ("verschlüsselt", "alles nach dem Schlüsselaustausch")))
    if kind == "Stun":
        return Layer("STUN", 7, (("Nachricht", f"Binding {'Request' if content.kind == 'request' else 'Response'}"),))
    return Layer(kind, 7, (("Inhalt", f"{l4.data_len} Byte"),))


def schichten(obj: Captured | Frame | IPv4Packet) -> list[Layer]:
    """The headers of one frame from the outside in (encapsulation: Ethernet ⊃ IP ⊃ TCP/UDP ⊃ data)."""
    frame = obj.frame if isinstance(obj, Captured) else obj
    layers: list[Layer] = []
    pkt: Any = frame
    if isinstance(frame, Frame):
        layers.append(_ethernet(frame))
        pkt = frame.payload
        if isinstance(pkt, ArpPacket):
            return layers + [_arp(pkt)]
    if not isinstance(pkt, IPv4Packet):
        return layers
    layers.append(_ipv4(pkt, frame if isinstance(frame, Frame) else None))
    if isinstance(frame, Frame) and frame.fragment:
        return layers          # later fragments carry no TCP/UDP/ICMP header
    p = pkt.payload
    if isinstance(p, Icmp):
        layers.append(_icmp(p))
    elif isinstance(p, (Tcp, Udp)):
        layers.append(_tcp(p) if isinstance(p, Tcp) else _udp(p))
        app = _application(getattr(p, "content", None), p)
        if app is not None:
            layers.append(app)
    return layers


def _tcpdump_line(obj: Captured | Frame | IPv4Packet) -> str:
    from simnet.commands.tcpdump import format_packet

    frame = obj.frame if isinstance(obj, Captured) else obj
    return format_packet(frame, numeric=True, ether=isinstance(frame, Frame), verbose=True)


def inspect_frame(obj: Captured | Frame | IPv4Packet) -> str:
    """A text tree: tcpdump's ``-v -e`` line first, then every layer with its fields."""
    out: list[str] = []
    if isinstance(obj, Captured):
        way = "hinaus" if obj.direction == "out" else "herein"
        out.append(f"Mitgeschnitten auf {obj.iface} ({way}), {obj.time:.6f} s")
    out.append("tcpdump -v -e: " + _tcpdump_line(obj).replace("\n    ", " "))
    for layer in schichten(obj):
        size = f", {layer.size} Byte Kopf" if layer.size else ""
        out.append(f"▾ {layer.name} – {layer.osi_name} / {layer.tcpip_name}{size}")
        width = max(len(label) for label, _ in layer.fields) + 1
        out += [f"    {label + ':':<{width}} {value}" for label, value in layer.fields]
    return "\n".join(out)


def inspect_html(obj: Captured | Frame | IPv4Packet) -> str:
    """The same tree as HTML (``<details>`` per layer) for notebooks and the study site."""
    parts = ['<div class="simnet-inspector">',
             f"<p><code>tcpdump -v -e: {escape(_tcpdump_line(obj))}</code></p>"]
    for layer in schichten(obj):
        rows = "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>" for k, v in layer.fields)
        parts.append(f"<details open><summary><b>{escape(layer.name)}</b> – {escape(layer.osi_name)} / "
                     f"{escape(layer.tcpip_name)}</summary><table>{rows}</table></details>")
    parts.append("</div>")
    return "".join(parts)


@dataclass(eq=False)
class Mitschnitt:
    """Records the frames on one interface of one node while the ``with`` block runs.

    ``filter`` takes tcpdump's filter words (``"icmp"``, ``"tcp port 443"``)."""

    lab: "Lab"
    node: str
    dev: str
    filter: str = ""
    frames: list[Captured] = field(default_factory=list)
    _capture: Capture | None = None

    def __enter__(self) -> "Mitschnitt":
        predicate = compile_filter(self.filter.split()) if self.filter.strip() else (lambda obj: True)
        self._capture = Capture(self.dev, predicate, self.frames.append)
        self.lab.node(self.node).captures.append(self._capture)
        self.lab.node(self.node).segments_changed()
        return self

    def __exit__(self, *exc: object) -> None:
        captures = self.lab.node(self.node).captures
        if self._capture in captures:
            captures.remove(self._capture)
            self.lab.node(self.node).segments_changed()

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, k: int) -> "_Shown":
        return _Shown(self.frames[k])

    def text(self, k: int = 0) -> str:
        return inspect_frame(self.frames[k])

    def html(self, k: int = 0) -> str:
        return inspect_html(self.frames[k])


@dataclass(frozen=True)
class _Shown:
    """One frame that shows itself as a tree in a notebook (``_repr_html_``) and as text elsewhere."""

    captured: Captured

    def __str__(self) -> str:
        return inspect_frame(self.captured)

    def _repr_html_(self) -> str:
        return inspect_html(self.captured)

    @property
    def schichten(self) -> list[Layer]:
        return schichten(self.captured)
