"""The commissioning protocol (Inbetriebnahme-Protokoll) of a lab, as the LAP's Prüfarbeit asks
for "Protokolle über Netzwerkanbindung": network plan, address table, the tests that were run
with command, output, expected and actual result and the simulated time, and a sign-off block.

Why a module of its own: learners run it on their own labs (``simnet protokoll LAB --out
protokoll.md`` or ``lab.protokoll("protokoll.html")``), hand it in and complete it by hand. So
the file they edited is theirs: :meth:`Protokoll.save` writes a checksum of what it generated
into the file and overwrites a file only while that checksum still fits (nobody edited it);
otherwise it refuses in German unless ``force`` is given.

Everything is read the way a technician would: the tests are real commands run in the lab, the
addresses come from the node's interfaces and routing table, the DNS server from
/etc/resolv.conf, the VLAN from the switch port's PVID or the VLAN subinterface.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["Protokoll", "ProtokollError", "ProtokollTest", "make_protokoll", "address_rows", "default_tests",
           "parse_test"]

MARK = "simnet-protokoll sha256="
MARK_RE = re.compile(r"<!-- simnet-protokoll sha256=([0-9a-f]{64}) -->\n?")
TIME_FMT = "%d.%m.%Y %H:%M:%S"


class ProtokollError(ValueError):
    """Something the learner asked for that cannot be done (the message is German)."""


@dataclass(frozen=True)
class ProtokollTest:
    """One test of the plan: a command on a node and whether it should succeed."""

    node: str
    command: str
    expect_ok: bool = True
    purpose: str = ""


@dataclass
class TestResult:
    test: ProtokollTest
    at: float                   # wall clock of the lab (epoch + simulated time) when it ran
    output: str
    returncode: int
    ok: bool                    # the command succeeded (exit code 0)
    explanation: str = ""

    @property
    def passed(self) -> bool:
        return self.ok == self.test.expect_ok


@dataclass
class AddressRow:
    host: str
    iface: str
    address: str
    gateway: str
    dns: str
    vlan: str


@dataclass
class Protokoll:
    lab: str
    description: str
    state: str | None
    created: float
    rows: list[AddressRow]
    results: list[TestResult]
    plan_svg: str
    plan_name: str = "netzplan.svg"
    extra: dict[str, str] = field(default_factory=dict)

    # ----------------------------------------------------------- rendering
    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    def markdown(self, plan_file: str | None = None) -> str:
        """The protocol as Markdown; the plan is linked as ``plan_file`` (an SVG beside it)."""
        out = [f"# Inbetriebnahme-Protokoll: Lab „{self.lab}“", ""]
        out += _head_lines(self)
        out += ["", "## 1. Netzwerkplan", ""]
        out += [f"![Netzwerkplan des Labs „{self.lab}“]({plan_file or self.plan_name})", ""]
        out += ["## 2. Adresstabelle", "",
                "| Gerät | Schnittstelle | IP-Adresse/Präfix | Standardgateway | DNS-Server | VLAN |",
                "|---|---|---|---|---|---|"]
        out += [f"| {r.host} | {r.iface} | {r.address} | {r.gateway} | {r.dns} | {r.vlan} |" for r in self.rows]
        out += ["", "## 3. Tests", "",
                f"{len(self.results)} Tests, {self.passed} wie erwartet"
                + ("." if self.passed == len(self.results) else f", {len(self.results) - self.passed} nicht."), "",
                "| Nr. | Zeit | Gerät | Befehl | Erwartet | Ergebnis | Bewertung |",
                "|---|---|---|---|---|---|---|"]
        for k, r in enumerate(self.results, 1):
            out.append(f"| {k} | {_time(r.at)} | {r.test.node} | `{_cell(r.test.command)}` | {_expected(r.test)} | "
                       f"{_actual(r)} | {_verdict(r)} |")
        for k, r in enumerate(self.results, 1):
            out += ["", f"### Test {k}: {r.test.purpose or r.test.command}", "",
                    f"Gerät `{r.test.node}`, {_time(r.at)}, Exit-Code {r.returncode}.", "", "```console",
                    f"root@{r.test.node}:~# {r.test.command}", *r.output.rstrip("\n").splitlines(), "```"]
            if r.explanation:
                out += ["", f"> {r.explanation}"]
        out += ["", "## 4. Abnahme", ""] + _signoff_lines()
        return "\n".join(out) + "\n"

    def html(self) -> str:
        """The protocol as one printable HTML page with the plan inline."""
        e = html.escape
        rows = "".join(f"<tr><td>{e(r.host)}</td><td>{e(r.iface)}</td><td>{e(r.address)}</td><td>{e(r.gateway)}</td>"
                       f"<td>{e(r.dns)}</td><td>{e(r.vlan)}</td></tr>" for r in self.rows)
        tests = "".join(f"<tr class=\"{'ok' if r.passed else 'fail'}\"><td>{k}</td><td>{e(_time(r.at))}</td>"
                        f"<td>{e(r.test.node)}</td><td><code>{e(r.test.command)}</code></td><td>{e(_expected(r.test))}</td>"
                        f"<td>{e(_actual(r))}</td><td>{e(_verdict(r))}</td></tr>"
                        for k, r in enumerate(self.results, 1))
        details = "".join(
            f"<h3>Test {k}: {e(r.test.purpose or r.test.command)}</h3><p>Gerät <code>{e(r.test.node)}</code>, "
            f"{e(_time(r.at))}, Exit-Code {r.returncode}.</p><pre>root@{e(r.test.node)}:~# {e(r.test.command)}\n"
            f"{e(r.output.rstrip())}</pre>" + (f"<blockquote>{e(r.explanation)}</blockquote>" if r.explanation else "")
            for k, r in enumerate(self.results, 1))
        head = "".join(f"<li>{e(line[2:])}</li>" for line in _head_lines(self))
        sign = "".join(f"<p>{e(line.replace('- [ ]', '☐', 1))}</p>" for line in _signoff_lines() if line)
        summary = f"{len(self.results)} Tests, {self.passed} wie erwartet."
        return (f"<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
                f"<title>Inbetriebnahme-Protokoll: {e(self.lab)}</title><style>{_CSS}</style></head><body>"
                f"<h1>Inbetriebnahme-Protokoll: Lab „{e(self.lab)}“</h1><ul>{head}</ul>"
                f"<h2>1. Netzwerkplan</h2><div class=\"plan\">{_inline_svg(self.plan_svg)}</div>"
                f"<h2>2. Adresstabelle</h2><table><tr><th>Gerät</th><th>Schnittstelle</th><th>IP-Adresse/Präfix</th>"
                f"<th>Standardgateway</th><th>DNS-Server</th><th>VLAN</th></tr>{rows}</table>"
                f"<h2>3. Tests</h2><p>{e(summary)}</p><table><tr><th>Nr.</th><th>Zeit</th><th>Gerät</th><th>Befehl</th>"
                f"<th>Erwartet</th><th>Ergebnis</th><th>Bewertung</th></tr>{tests}</table>{details}"
                f"<h2>4. Abnahme</h2>{sign}</body></html>\n")

    # ------------------------------------------------------------- saving
    def save(self, path: str | Path, *, force: bool = False) -> list[Path]:
        """Write the protocol (.md with the plan as NAME.svg beside it, or .html); returns the files.
        A file that exists and was edited since simnet wrote it (or that simnet never wrote) stays
        untouched unless ``force``."""
        target = Path(path)
        if target.suffix.lower() not in (".md", ".html", ".htm"):
            raise ProtokollError(f"„{target.name}“: Das Protokoll wird als .md oder .html geschrieben.")
        files: list[tuple[Path, str]] = []
        if target.suffix.lower() == ".md":
            plan = target.with_suffix(".svg")
            files += [(target, self.markdown(plan.name)), (plan, self.plan_svg)]
        else:
            files.append((target, self.html()))
        for file, _text in files:
            _may_write(file, force)
        for file, text in files:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(_stamp(file, text), encoding="utf-8")
        return [f for f, _t in files]


# ------------------------------------------------------------------ the overwrite rule
def _stamp(file: Path, text: str) -> str:
    """The text with a first line that says what simnet wrote (a comment in Markdown, HTML and SVG)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"<!-- {MARK}{digest} -->\n" + text


def _unedited(content: str) -> bool:
    """True if ``content`` is exactly what simnet wrote (its checksum still fits)."""
    m = MARK_RE.match(content)
    if m is None:
        return False
    return hashlib.sha256(content[m.end():].encode("utf-8")).hexdigest() == m.group(1)


def _may_write(file: Path, force: bool) -> None:
    if force or not file.exists():
        return
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        content = ""
    if not _unedited(content):
        raise ProtokollError(
            f"„{file}“ gibt es schon, und es wurde seit dem letzten Schreiben verändert (oder stammt nicht von "
            "simnet). Damit deine Ergänzungen nicht verloren gehen, überschreibt simnet die Datei nicht. Wähle "
            "einen anderen Namen oder überschreibe sie bewusst mit --force (in Python: force=True).")


# ------------------------------------------------------------------ collecting
def _time(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime(TIME_FMT)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _expected(t: ProtokollTest) -> str:
    return "erfolgreich" if t.expect_ok else "scheitert (gesperrt)"


def _actual(r: TestResult) -> str:
    return "erfolgreich" if r.ok else f"gescheitert (Exit-Code {r.returncode})"


def _verdict(r: TestResult) -> str:
    return "✔ wie erwartet" if r.passed else "✘ Abweichung"


def _head_lines(doc: Protokoll) -> list[str]:
    lines = [f"- Lab: {doc.lab}" + (f" (Zustand „{doc.state}“)" if doc.state else "")]
    if doc.description:
        lines.append(f"- Beschreibung: {doc.description}")
    lines += [f"- Erstellt: {_time(doc.created)} (simulierte Zeit des Labs, UTC)",
              "- Ausgeführt von: ______________________________",
              "- Auftraggeber*in / Standort: ______________________________"]
    return lines


def _signoff_lines() -> list[str]:
    return ["- [ ] Alle Tests wie erwartet, die Anlage wird ohne Mängel übergeben.",
            "- [ ] Mängel (siehe Tests mit ✘), zu beheben bis: ______________", "",
            "Anmerkungen: ____________________________________________________________", "",
            "Ort, Datum: ______________________________", "",
            "Techniker*in (Name, Unterschrift): ______________________________", "",
            "Auftraggeber*in (Name, Unterschrift): ______________________________"]


def _inline_svg(svg: str) -> str:
    return svg[svg.index("<svg"):] if "<svg" in svg else svg


def _resolvers(node: Any) -> list[str]:
    text = node.files.get("/etc/resolv.conf") or ""
    return [line.split()[1] for line in text.splitlines() if line.startswith("nameserver") and len(line.split()) > 1]


def _default_route(lab: "Lab", name: str) -> tuple[str, str]:
    """(gateway, device) of the default route, as ``ip route show default`` prints it."""
    words = lab.run(name, "ip -4 route show default").stdout.split()
    gw = words[words.index("via") + 1] if "via" in words[:-1] else ""
    dev = words[words.index("dev") + 1] if "dev" in words[:-1] else ""
    return gw, dev


def _access_vlan(lab: "Lab", iface: Any) -> str:
    """The VLAN a host's interface is in: the PVID of the switch port on its cable."""
    seg = iface.segment
    if seg is None:
        return ""
    for node, port in seg.ports:
        if port is iface or port.master is None:
            continue
        bridge = node.interfaces.get(port.master)
        br = bridge.bridge if bridge is not None else None
        if br is not None and br.vlan_filtering:
            pvid = br.pvid(port.name)
            tagged = [v for v in sorted(br.vlans.get(port.name, {})) if v != pvid]
            return f"{pvid}" if not tagged else f"Trunk ({', '.join(str(v) for v in tagged)})"
    return ""


def _switch_rows(name: str, node: Any) -> list[AddressRow]:
    rows = []
    for port in sorted(node.interfaces.values(), key=lambda i: i.index):
        if port.master is None:
            continue
        br = node.interfaces[port.master].bridge
        if br is None or not br.vlan_filtering:
            vlan = "–"
        else:
            members = br.vlans.get(port.name, {})
            pvid = br.pvid(port.name)
            tagged = [v for v, (_p, untagged) in sorted(members.items()) if not untagged]
            vlan = (f"{pvid} (Access-Port)" if not tagged else
                    f"Trunk: {', '.join(str(v) for v in tagged)} getaggt" + (f", {pvid} ungetaggt" if pvid else ""))
        rows.append(AddressRow(name, port.name, "–", "–", "–", vlan))
    return rows


def address_rows(lab: "Lab") -> list[AddressRow]:
    """One row per interface with an IPv4 address (and per switch port, with its VLAN)."""
    rows: list[AddressRow] = []
    for name, node in lab.nodes.items():
        if getattr(node, "kind", "host") in ("switch", "hub"):
            rows += _switch_rows(name, node)
            continue
        gw, gw_dev = _default_route(lab, name)
        dns = ", ".join(_resolvers(node)) or "–"
        for iface in sorted(node.interfaces.values(), key=lambda i: i.index):
            if iface.is_loopback:
                continue
            addrs = [a for a in iface.addresses if a.interface.version == 4]
            if not addrs:
                continue
            vid = iface.vlan_id
            vlan = f"{vid} (Subschnittstelle)" if vid else (_access_vlan(lab, iface) or "–")
            rows.append(AddressRow(name, iface.name, ", ".join(a.interface.with_prefixlen for a in addrs),
                                   gw if iface.name == gw_dev and gw else "–", dns, vlan))
    return rows


def default_tests(lab: "Lab") -> list[ProtokollTest]:
    """The plan when none is given: every host reaches its standard gateway."""
    tests = []
    for name, node in lab.nodes.items():
        if getattr(node, "kind", "host") in ("switch", "hub"):
            continue
        gw, _dev = _default_route(lab, name)
        if gw:
            tests.append(ProtokollTest(name, f"ping -c 1 -W 1 {gw}", True, f"{name} erreicht sein Standardgateway"))
    return tests


def parse_test(text: str, expect_ok: bool = True) -> ProtokollTest:
    """``NODE: COMMAND`` (from ``--test``/``--sperre``)."""
    node, sep, command = text.partition(":")
    if not sep or not node.strip() or not command.strip():
        raise ProtokollError(f"„{text}“: Ein Test heißt „KNOTEN: BEFEHL“, z. B. „pc1: ping -c 1 192.168.1.1“.")
    return ProtokollTest(node.strip(), command.strip(), expect_ok)


def _as_test(item: Any) -> ProtokollTest:
    if isinstance(item, ProtokollTest):
        return item
    if isinstance(item, str):
        return parse_test(item)
    if isinstance(item, (tuple, list)) and len(item) in (2, 3, 4):
        return ProtokollTest(str(item[0]), str(item[1]), bool(item[2]) if len(item) > 2 else True,
                             str(item[3]) if len(item) > 3 else "")
    raise ProtokollError(f"Einen Test gibt man als „KNOTEN: BEFEHL“ oder (Knoten, Befehl, soll_gehen) an, "
                         f"nicht {item!r}.")


def make_protokoll(lab: "Lab", tests: Iterable[Any] | None = None, *, state: str | None = None) -> Protokoll:
    """Run the tests in ``lab`` (default: everyone pings the standard gateway) and collect the protocol."""
    from simnet.views.svgdraw import topology_svg

    plan = list(default_tests(lab) if tests is None else (_as_test(t) for t in tests))
    for t in plan:
        if t.node not in lab.nodes:
            raise ProtokollError(f"Im Lab „{lab.name}“ gibt es keinen Knoten „{t.node}“ "
                                 f"(Vorhanden: {', '.join(lab.nodes)}).")
    rows = address_rows(lab)
    clock = next(iter(lab.nodes.values())).wallclock if lab.nodes else (lambda: 0.0)
    created = clock()
    results = []
    for t in plan:
        at = clock()
        res = lab.run(t.node, t.command)
        ok = res.returncode == 0
        explanation = res.trace.explain() if res.trace.packets and ok != t.expect_ok else ""
        results.append(TestResult(t, at, res.stdout + res.stderr, res.returncode, ok, explanation))
    svg = str(topology_svg(lab, title=f"Netzwerkplan: {lab.name}"))
    return Protokoll(lab.name, lab.description, state, created, rows, results, svg)


_CSS = ("body{font-family:DejaVu Sans,Verdana,Arial,sans-serif;max-width:60em;margin:2em auto;color:#111}"
        "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #888;padding:.25em .4em;"
        "text-align:left;vertical-align:top}th{background:#eee}tr.fail td{background:#fde8e8}"
        "pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;font-size:90%}.plan svg{max-width:100%;height:auto}"
        "@media print{h2{break-after:avoid}pre,table{break-inside:avoid}}")
