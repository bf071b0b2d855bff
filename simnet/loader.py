"""Reading lab files: YAML or dicts, checked eagerly, errors in German with the key path."""
from __future__ import annotations

import gc
import re
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.dccache import re_compile
from simnet.lab import Lab, LabError
from simnet.labfile import Source, check_meta, parse_lab_text
from simnet.loader_lan import NODE_KINDS, check_forward, check_vlans, forward_startup, kind_startup
from simnet.startup_fast import run_plain

if TYPE_CHECKING:
    from typing import Any, Callable
    from pathlib import Path      # loaded by the functions that read files: not on Lab.from_dict's path

    from simnet.core.guard import Limits

__all__ = ["build_lab", "load_yaml", "load_shipped", "kind_startup", "NODE_KINDS"]

NAME_RE = re_compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
IFACE_RE = re_compile(r"^[A-Za-z0-9_.:@-]{1,15}$")
LAB_KEYS = {"name", "description", "nodes", "segments", "meta", "states", "limits", "ipv6"}
LIMIT_KEYS = {"events": (1, 10**9), "seconds": (1, 100 * 365 * 86400), "output": (1, 1 << 30)}
NODE_KEYS = {"interfaces", "startup", "role", "description", "nat", "label", "position", "services", "kind",
             "vlans", "forward", "ipv6"}
SEGMENT_KEYS = {"delay_ms", "description", "prefix", "label"}
MAX_DELAY_MS = 60_000      # a minute per hop; more is a typo (and NaN or inf would stop the clock)


def _err(source: str, path: str, what: str) -> LabError:
    where = f"{source}, {path}" if path else source
    line = source.line_of(path) if isinstance(source, Source) else None
    if line is not None:
        where += f" (Zeile {line})"
    return LabError(f"Fehler in {where}: {what}")


def _check_mapping(value: Any, source: str, path: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise _err(source, path, f"{what} muss eine Zuordnung (key: value) sein, nicht {type(value).__name__}.")
    return value


class _Promoted:
    """How many objects :func:`collector_paused` moved into the oldest generation since the collector
    last walked it (the count of ``gc.get_stats()[-1]["collections"]`` then)."""

    objects = 0
    full = 0


PROMOTE_MIN = 20_000        # tracked objects: a lab of some hundred nodes; smaller ones take the usual way
PROMOTED_MAX = 1_000_000    # promoted since the last full collection: then collect once (old labs' garbage)


def collector_paused(build: Callable[..., Lab], *args: Any) -> Lab:
    """Building a lab makes some hundred objects per node that all live on; the cyclic garbage
    collector, woken every 700 allocations, would walk them again and again (40 % of loading a
    1 000-node lab). Nothing built here is garbage, so it waits until the lab stands.

    A large lab then goes straight into the oldest generation (``gc.freeze``/``gc.unfreeze`` are two
    list splices, no walk): else the next young collections walk all of it twice more only to find
    it alive (a fifth of the 1 000-node tailnet benchmark). Objects moved that way do not count
    towards the next full collection, so once a million of them were moved, the next build starts
    with one full collection, which frees the labs dropped meanwhile."""
    was = gc.isenabled()
    if was and _Promoted.objects > PROMOTED_MAX and gc.get_stats()[-1]["collections"] == _Promoted.full:
        gc.collect()
    gc.disable()
    try:
        return build(*args)
    finally:
        made = gc.get_count()[0]
        if made >= PROMOTE_MIN and gc.get_freeze_count() == 0:
            full = gc.get_stats()[-1]["collections"]
            if full != _Promoted.full:                 # the collector walked the oldest generation since
                _Promoted.objects, _Promoted.full = 0, full
            gc.freeze()
            gc.unfreeze()
            _Promoted.objects += made
        if was:
            gc.enable()


def build_lab(data: Any, source: str = "<dict>") -> Lab:
    """Build and start a lab; runs every node's startup commands in order."""
    return collector_paused(_build_lab, data, source)


def _build_lab(data: Any, source: str) -> Lab:
    data = _check_mapping(data, source, "", "Das Lab")
    unknown = set(data) - LAB_KEYS
    if unknown:
        raise _err(source, sorted(map(str, unknown))[0], f"unbekannter Schlüssel. Erlaubt: {', '.join(sorted(LAB_KEYS))}.")
    name = data.get("name", "lab")
    if not isinstance(name, str) or not name:
        raise _err(source, "name", "Der Name muss ein nicht-leerer Text sein.")
    nodes = _check_mapping(data.get("nodes"), source, "nodes", "„nodes“") if "nodes" in data else None
    if not nodes:
        raise _err(source, "nodes", "Ein Lab braucht mindestens einen Knoten unter „nodes“.")
    segments = data.get("segments") or {}
    _check_mapping(segments, source, "segments", "„segments“")
    states = data.get("states")
    if states is not None and (not isinstance(states, dict)
                               or not all(isinstance(v, list) or v is None for v in states.values())):
        raise _err(source, "states", "„states“ ordnet jedem Zustand eine Liste von Schritten {KNOTEN: BEFEHL} zu.")
    lab_ipv6 = _check_bool(data.get("ipv6", True), source, "ipv6")
    lab = Lab(name)
    lab.meta = check_meta(data.get("meta"), source, _err)
    if lab.meta.get("epoch") is not None:
        lab.epoch = float(lab.meta["epoch"])
    if data.get("limits") is not None:
        lab.limits = _limits(data["limits"], source)
    for seg_name, seg in segments.items():
        spath = f"segments.{seg_name}"
        if not isinstance(seg_name, str) or not NAME_RE.match(seg_name):
            raise _err(source, spath, f"Ungültiger Segmentname {seg_name!r} (ein Text aus Buchstaben, Ziffern, - _ .; "
                                      "eine Zahl setzt du in Anführungszeichen: '5').")
        seg = _check_mapping(seg or {}, source, spath, "Ein Segment")
        bad = set(seg) - SEGMENT_KEYS
        if bad:
            raise _err(source, f"{spath}.{sorted(map(str, bad))[0]}", f"unbekannter Schlüssel. Erlaubt: {', '.join(sorted(SEGMENT_KEYS))}.")
        delay = seg.get("delay_ms")
        if delay is not None and (not isinstance(delay, (int, float)) or isinstance(delay, bool)
                                  or not 0 <= delay <= MAX_DELAY_MS):
            raise _err(source, f"{spath}.delay_ms", f"Die Verzögerung muss eine Zahl von 0 bis {MAX_DELAY_MS} "
                                                    f"(Millisekunden) sein, nicht {delay!r}.")
        segment = lab.add_segment(str(seg_name), delay)
        segment.label, segment.prefix = seg.get("label"), seg.get("prefix")  # drawn by simnet.views
    used_segments: set[str] = set()
    startups: list[tuple[str, list[str]]] = []
    daemons: list[tuple[str, Any]] = []
    nat_types: list[tuple[str, str, str]] = []
    for node_name, spec in nodes.items():
        npath = f"nodes.{node_name}"
        if not isinstance(node_name, str) or not NAME_RE.match(node_name):
            raise _err(source, npath, f"Ungültiger Knotenname {node_name!r} (Buchstaben, Ziffern, - _ . erlaubt).")
        spec = _check_mapping(spec if spec is not None else {}, source, npath, "Ein Knoten")
        bad = set(spec) - NODE_KEYS
        if bad:
            raise _err(source, f"{npath}.{sorted(map(str, bad))[0]}", f"unbekannter Schlüssel. Erlaubt: {', '.join(sorted(NODE_KEYS))}.")
        node = lab.add_node(node_name)
        if not _check_bool(spec.get("ipv6", lab_ipv6), source, f"{npath}.ipv6"):
            # as `sysctl -w net.ipv6.conf.all.disable_ipv6=1` before any interface exists
            node.ipv6_off = True
            node.sysctl.set("net.ipv6.conf.all.disable_ipv6", "1")
        ifaces = spec.get("interfaces") or {}
        _check_mapping(ifaces, source, f"{npath}.interfaces", "„interfaces“")
        for iface, seg_name in ifaces.items():
            ipath = f"{npath}.interfaces.{iface}"
            if not isinstance(iface, str) or not IFACE_RE.match(iface) or iface == "lo":
                raise _err(source, ipath, f"Ungültiger Interface-Name {iface!r} (höchstens 15 Zeichen, nicht „lo“).")
            if not isinstance(seg_name, str) or not seg_name:
                raise _err(source, ipath, f"Das Segment muss ein Name sein, nicht {seg_name!r}.")
            if segments and seg_name not in segments:
                raise _err(source, ipath, f"unbekanntes Segment „{seg_name}“. Unter „segments“ stehen: {', '.join(segments)}.")
            lab.connect(node_name, iface, seg_name)
            used_segments.add(seg_name)
        startup = spec.get("startup") or []
        if isinstance(startup, str):
            startup = [line for line in startup.splitlines() if line.strip()]
        if not isinstance(startup, list) or not all(isinstance(c, str) for c in startup):
            raise _err(source, f"{npath}.startup", "„startup“ muss eine Liste von Befehlen (Texten) sein.")
        kind = spec.get("kind", "host")
        if kind not in NODE_KINDS:
            raise _err(source, f"{npath}.kind", f"unbekannte Knotenart {kind!r}. Möglich: {', '.join(NODE_KINDS)}.")
        lab.node(node_name).kind = kind
        if kind in ("switch", "hub", "router") and spec.get("role") is None:
            lab.node(node_name).role = kind
        try:
            vlans = check_vlans(spec.get("vlans"), kind, ifaces)
            forward = check_forward(spec.get("forward"))
        except ValueError as exc:
            key, what = exc.args
            raise _err(source, f"{npath}.{key}", what) from None
        outside = spec.get("nat") if isinstance(spec.get("nat"), str) and spec.get("nat") in ifaces else None
        full_startup = kind_startup(kind, list(ifaces), vlans) + forward_startup(forward, outside) + list(startup)
        startups.append((node_name, full_startup))
        lab.boot[node_name] = {"startup": list(full_startup), "nat": spec.get("nat")}
        nat = spec.get("nat")
        if nat is not None:
            kind = _add_masquerade(lab, node_name, nat, source, f"{npath}.nat")
            if kind is not None:
                nat_types.append((node_name, kind, f"{npath}.nat"))
        if spec.get("role") is not None:
            lab.node(node_name).role = str(spec["role"])
        if spec.get("role") == "vm":          # a Debian VM keeps its address in /etc/network/interfaces
            from simnet.boot import interfaces_file

            text = interfaces_file(startup)
            if text is not None:
                lab.node(node_name).files["/etc/network/interfaces"] = text
        if spec.get("services"):
            daemons.append((node_name, spec["services"]))
    if daemons:                                  # the services' modules only for labs that run daemons
        from simnet.services.daemons import install_daemons
        from simnet.services.pve import install_pve
    for node_name, services in daemons:          # sshd, pveproxy …: listening before the startup commands run
        install_daemons(lab.node(node_name), services)
        _enable_daemons(lab.node(node_name))
    for node_name, commands in startups:
        for k, cmd in enumerate(commands):
            if run_plain(lab, node_name, cmd):   # the plain lines without the command modules (cold start)
                continue
            res = lab.run(node_name, cmd)
            if res.returncode != 0:
                msg = (res.stderr or res.stdout).strip().splitlines()
                detail = msg[0] if msg else f"Exit-Code {res.returncode}"
                raise _err(source, f"nodes.{node_name}.startup[{k}]",
                           f"Der Befehl „{cmd}“ ist fehlgeschlagen: {detail}")
    for node_name, services in daemons:          # Proxmox knows its containers as they are after start-up
        install_pve(lab.node(node_name), services)
    for node_name, kind, kpath in nat_types:
        try:
            lab.set_nat(node_name, kind)
        except (KeyError, ValueError) as exc:
            raise _err(source, kpath, str(exc.args[0])) from None
    lab.description = " ".join(str(data.get("description") or "").split())
    lab.serial = 0          # the start-up is the lab as built, not a change made in it (simnet.services.road)
    return lab


def _enable_daemons(node: Any) -> None:
    """Their packages enable ssh.service and pveproxy.service: the wants links a fresh system has."""
    from simnet.boot import WANTS
    from simnet.services.daemons import daemons_of

    for d in daemons_of(node):
        node.fs.links[f"{WANTS}/{d.unit}.service"] = f"/lib/systemd/system/{d.unit}.service"


def reapply_nat(lab: Lab, node_name: str, nat: Any) -> None:
    """After a reboot: the router's ``nat:`` setting again (its MASQUERADE and NAT type)."""
    kind = _add_masquerade(lab, node_name, nat, "<boot>", f"nodes.{node_name}.nat")
    if kind is not None:
        lab.set_nat(node_name, kind)


def _limits(value: Any, source: str) -> "Limits":
    """``limits: {events: N, seconds: S, output: BYTES}``: the guard's budget for each command line."""
    from simnet.core.guard import Limits

    value = _check_mapping(value, source, "limits", "„limits“")
    for key, item in value.items():
        if key not in LIMIT_KEYS:
            raise _err(source, f"limits.{key}", f"unbekannter Schlüssel. Erlaubt: {', '.join(LIMIT_KEYS)}.")
        low, high = LIMIT_KEYS[key]
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not low <= item <= high:
            raise _err(source, f"limits.{key}", f"muss eine Zahl von {low} bis {high} sein, nicht {item!r}.")
    return Limits.from_mapping(value)


def _check_bool(value: Any, source: str, path: str) -> bool:
    if not isinstance(value, bool):
        raise _err(source, path, f"„ipv6“ ist true (IPv6 an, wie auf Debian 12) oder false (nur IPv4), nicht {value!r}.")
    return value


def _add_masquerade(lab: Lab, node_name: str, nat: Any, source: str, path: str) -> str | None:
    """``nat: wan`` = ``iptables -t nat -A POSTROUTING -o wan -j MASQUERADE`` (a home router).

    ``nat: symmetric`` names a NAT type instead (applied after the startup
    commands, on the interface of the default route), ``nat: {interface: wan,
    type: symmetric}`` both. Returns the NAT type to apply later, if any."""
    from simnet.kernel.natbehaviour import PRESETS
    from simnet.kernel.netfilter import XtRule
    from simnet.kernel.nftables.xtables import xt_append

    node = lab.node(node_name)
    if isinstance(nat, dict):
        bad = set(nat) - {"interface", "type"}
        if bad:
            raise _err(source, f"{path}.{sorted(map(str, bad))[0]}", "unbekannter Schlüssel. Erlaubt: interface, type.")
        kind = nat.get("type")
        if kind is not None and (not isinstance(kind, str) or kind not in PRESETS):
            raise _err(source, f"{path}.type", f"unbekannter NAT-Typ {kind!r}. Möglich: {', '.join(PRESETS)}.")
        dev = nat.get("interface")
        if dev is not None and not isinstance(dev, str):
            raise _err(source, f"{path}.interface", f"„interface“ nennt ein Interface, nicht {dev!r}.")
        if dev is not None:
            _add_masquerade(lab, node_name, dev, source, f"{path}.interface")
            node.nat.outside = dev
        return kind
    if isinstance(nat, str) and nat in PRESETS and nat not in node.interfaces:
        return nat
    devs = [nat] if isinstance(nat, str) else nat
    if not isinstance(devs, list) or not all(isinstance(d, str) for d in devs):
        raise _err(source, path, "„nat“ nennt das Interface (oder eine Liste), über das maskiert wird, "
                                 f"oder einen NAT-Typ ({', '.join(PRESETS)}).")
    for dev in devs:
        if dev not in node.interfaces:
            raise _err(source, path, f"„{node_name}“ hat kein Interface „{dev}“.")
    nf = lab.node(node_name).netfilter
    for dev in devs:      # as if typed with iptables-nft: -t nat -A POSTROUTING -o DEV -j MASQUERADE
        xt_append(nf, "nat", "POSTROUTING", XtRule(out_iface=dev, target="MASQUERADE"))
    return None


def load_yaml(path: str | Path, shipped: bool = False) -> Lab:
    """A lab file; ``shipped`` ones (simnet/labs) are read through simnet.labcache, without YAML."""
    from pathlib import Path

    from simnet.labfile import MAX_BYTES

    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_BYTES:      # not even read into memory
            raise LabError(f"Fehler in {p}: Die Datei ist zu groß (höchstens {MAX_BYTES >> 20} MB).")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabError(f"Die Lab-Datei {p} gibt es nicht.") from None
    except IsADirectoryError:
        raise LabError(f"{p} ist ein Ordner, keine Lab-Datei.") from None
    except UnicodeDecodeError:
        raise LabError(f"Die Lab-Datei {p} ist kein UTF-8-Text.") from None
    except OSError as exc:
        raise LabError(f"Die Lab-Datei {p} kann nicht gelesen werden: {exc.strerror}.") from None
    if shipped:
        from simnet.labcache import parse_shipped

        data, source = parse_shipped(text, str(p))
    else:
        data, source = parse_lab_text(text, str(p))
    return build_lab(data, source)


def load_shipped(name: str, **options: Any) -> Lab:
    from pathlib import Path

    here = Path(__file__).parent / "labs"
    path = here / f"{name}.yaml"
    # a shipped lab's name only: "../x" must not read other files (Lab.from_yaml takes paths)
    if not isinstance(name, str) or not NAME_RE.match(name) or not path.exists():
        known = ", ".join(sorted(p.stem for p in here.glob("*.yaml")))
        raise LabError(f"simnet liefert kein Lab „{name}“ mit. Vorhanden: {known}.")
    state = options.pop("state", None)
    ipv6_lan = options.pop("ipv6_lan", None)
    if options:
        raise LabError(f"Das Lab „{name}“ kennt keine Optionen ({', '.join(options)}).")
    if ipv6_lan is None:
        lab = load_yaml(path, shipped=True)
    else:
        lab = _load_lan(path, name, ipv6_lan)
    if state is not None:
        # the hosts take their SLAAC addresses before the state: a later forwarding=1 (the exit
        # node's in "ready") stops accepting advertisements, not the address it already has
        _ipv6_settled(lab)
        apply_state(lab, path, state, shipped=True)
    _ipv6_settled(lab)
    return lab


def _load_lan(path: Path, name: str, ipv6_lan: Any) -> Lab:
    """``ipv6_lan=True``: the seed labs' home LAN is dual stack anyway (the option stays for old
    notebooks); ``ipv6_lan=False``: the IPv4-only view, built without the lines that configure IPv6."""
    from simnet.labcache import parse_shipped

    if not isinstance(ipv6_lan, bool):
        raise LabError(f"„ipv6_lan“ ist True (Heimnetz mit IPv6) oder False (nur IPv4), nicht {ipv6_lan!r}.")
    data, source = parse_shipped(path.read_text(encoding="utf-8"), str(path))
    states = (data or {}).get("states") or {}
    if "dualstack" not in states:
        raise LabError(f"Das Lab „{name}“ hat kein Heimnetz mit IPv6 (Zustand „dualstack“), "
                       "die Option „ipv6_lan“ gibt es nur für headscale und heimnetz.")
    if not ipv6_lan:
        data = ipv4_only(data)
    return build_lab(data, source)


IPV6_LINE = re_compile(r"^\s*(?:ip\s+-6\b|ip6tables\b|ip\s+(?:a|addr|address)\s+add\s+\S*:|"
                       r"sysctl\s.*\bnet\.ipv6\.|.*\bradvd\b)")


def ipv4_only(data: dict) -> dict:
    """A copy of the lab data whose start-up lines leave IPv6 as a fresh Debian box has it (link-local
    only): no global IPv6 address, IPv6 route, ip6tables rule, IPv6 forwarding or radvd."""
    nodes = {}
    for node_name, spec in data["nodes"].items():
        startup = spec.get("startup") if isinstance(spec, dict) else None
        if isinstance(startup, list):
            spec = {**spec, "startup": [line for line in startup
                                        if not (isinstance(line, str) and IPV6_LINE.match(line))]}
        nodes[node_name] = spec
    return {**data, "nodes": nodes}


def _ipv6_settled(lab: Lab) -> None:
    """The shipped boxes have been up for a while: DAD is over, and SLAAC too where radvd runs."""
    for node in lab.nodes.values():
        node.ip6.finish_dad()
    _slaac_done(lab)


def _slaac_done(lab: Lab) -> None:
    """With radvd in the lab, the hosts' router solicitations went out long ago, too: each one asks
    once now, takes the advertisement, and its SLAAC address is past DAD like the rest.

    The exchange belongs to the past, so it takes no time on the lab's clock: the wires carry its
    frames at once (the lab's epoch stays the moment the learner starts; certificates, TCP
    timestamps and DNS ids come out as without IPv6). Only what is due at this instant runs:
    radvd's first advertisement and the solicitations."""
    routers = [n for n in lab.nodes.values() if getattr(n.services.get("radvd"), "running", False)]
    if not routers:
        return
    # the links radvd advertises on: only there an asker gets an answer (elsewhere, as in any lab
    # without radvd, the solicitations of long ago are not replayed)
    links = {id(seg) for n in routers for name in n.services["radvd"].ifaces
             if (seg := getattr(n.interfaces.get(name), "segment", None)) is not None}
    delays = [(seg, seg.delay) for seg in lab.segments.values()]
    try:
        for seg, _ in delays:
            seg.delay = 0.0
        for node in lab.nodes.values():
            for iface in node.interfaces.values():
                if id(iface.segment) not in links or iface.kind == "tun" or not node.ip6.accept_ra(iface.name):
                    continue
                ll = next((a.ip for a in iface.addresses6 if a.scope == "link" and not a.tentative), None)
                if ll is not None:
                    node.ip6.stack.send_rs(iface, ll)
        lab.advance(0)
    finally:
        for seg, delay in delays:
            seg.delay = delay
    for node in lab.nodes.values():
        # the router's check of the askers (radvd answered them by unicast) is long over: their
        # entries are STALE as on a box that has been up for a while; the SLAAC addresses' DAD too
        node.ip6.stack.neigh.age()
        node.ip6.finish_dad()


SETTLE_SECONDS = 1.0


def apply_state(lab: Lab, path: Path, state: str, shipped: bool = False) -> None:
    """Run a shipped state's steps: ``states: {NAME: [{NODE: COMMAND}, …]}`` in order."""
    from simnet.labcache import parse_shipped

    parse = parse_shipped if shipped else parse_lab_text
    data, _ = parse(path.read_text(encoding="utf-8"), str(path))
    states = (data or {}).get("states") or {}
    if state not in states:
        known = ", ".join(states) or "(keine)"
        raise LabError(f"Das Lab „{lab.name}“ hat keinen Zustand „{state}“. Vorhanden: {known}.")
    for k, step in enumerate(states[state] or []):
        if not isinstance(step, dict) or len(step) != 1:
            raise _err(str(path), f"states.{state}[{k}]", "Jeder Schritt ist {KNOTEN: BEFEHL}.")
        ((node_name, cmd),) = step.items()
        res = lab.run(str(node_name), str(cmd))
        if res.returncode != 0:
            detail = ((res.stderr or res.stdout).strip().splitlines() or [f"Exit-Code {res.returncode}"])[0]
            raise _err(str(path), f"states.{state}[{k}]", f"Der Befehl „{cmd}“ ist fehlgeschlagen: {detail}")
    # a state is a lab that has been set up a while ago: let what the steps started in the
    # background (tailscaled's DERP connections and STUN probes) finish before anyone looks
    lab.advance(SETTLE_SECONDS)
    # the steps' background jobs that have ended (`tailscale up … &` once registered) belong to
    # the set-up, not to the learner's terminal: `fg` and `jobs` start empty
    lab.reap_jobs()
    lab.jobs[:] = [job for job in lab.jobs if job.running]
