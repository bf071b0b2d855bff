"""simnet.views: pictures, animation, sequence diagram, toggles and the live panel.

Everything renders under Agg, without a display or a browser; the panel's
callbacks are driven directly and must change the verdict as the lab changes.
"""
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from simnet import Lab, views
from simnet.trace import Disposition, Trace
from simnet.views.animation import animate_trace, frame_plan
from simnet.views.layout import compute_layout
from simnet.views.model import read_model
from simnet.views.seqdiagram import sequence_rows
from simnet.views.toggles import ToggleError, available, make_toggle
from simnet.views.topology import draw_topology, icon_boxes, label_boxes, overlapping_labels
from simnet.views.tracepath import path_view

PING = "ping -c 1 -W 1 192.168.0.101"
LABS = sorted(p.stem for p in (Path(__file__).parent.parent / "simnet" / "labs").glob("*.yaml"))


@pytest.fixture(scope="module")
def ready_lab():
    """Shared read-only seed lab (tests that change it load their own)."""
    return Lab.load("headscale", state="ready")


def ink(fig) -> int:
    """Number of pixels that are not white: a blank picture has none."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return int((rgba[..., :3] < 240).any(axis=-1).sum())


def png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def lan_lab() -> Lab:
    """Two hosts and a router, one of them behind a firewall: small and quick."""
    return Lab.from_dict({"name": "klein", "nodes": {
        "laptop": {"role": "laptop", "interfaces": {"eth0": "lan"},
                   "startup": ["ip addr add 192.168.0.2/24 dev eth0", "ip route add default via 192.168.0.1"]},
        "router": {"role": "router", "interfaces": {"eth0": "lan", "eth1": "dmz"},
                   "startup": ["ip addr add 192.168.0.1/24 dev eth0", "ip addr add 10.0.5.1/24 dev eth1",
                               "sysctl -w net.ipv4.ip_forward=1"]},
        "server": {"role": "server", "interfaces": {"eth0": "dmz"},
                   "startup": ["ip addr add 10.0.5.10/24 dev eth0", "ip route add default via 10.0.5.1"]}}})


# ---------------------------------------------------------------- import and rendering
def test_import_simnet_does_not_load_matplotlib():
    code = "import sys, simnet, simnet.views; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, check=True).stdout.strip()
    assert out == "False False"


@pytest.mark.parametrize("name", LABS)
def test_every_shipped_lab_renders(name):
    lab = Lab.load(name)
    fig = views.draw(lab)
    assert ink(fig) > 20_000
    assert png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    scene = fig.simnet_scene
    assert set(scene.layout.nodes) == set(lab.nodes)
    assert set(scene.layout.buses) == set(lab.segments)


def test_segments_show_label_and_prefix_from_the_lab_file(ready_lab):
    model = read_model(ready_lab)
    assert model.segments["cafe-wlan"].caption == "Café-WLAN 10.0.5.0/24"
    texts = [t.get_text() for t in draw_topology(ready_lab).labels]
    assert "Heimnetz\n192.168.0.0/24" in texts
    assert "lan 192.168.0.1/24" in texts            # addresses sit on the interfaces


def test_prefix_falls_back_to_the_addresses():
    model = read_model(lan_lab())
    assert model.segments["dmz"].prefix == "10.0.5.0/24"
    assert model.segments["dmz"].label == "dmz"


# ---------------------------------------------------------------- layout and the image check
def test_seed_layout_is_stable_and_layered():
    a = compute_layout(read_model(Lab.load("headscale", state="ready")))
    b = compute_layout(read_model(Lab.load("headscale", state="ready")))
    assert a.nodes == b.nodes and a.buses == b.buses
    assert a.nodes["internet"][1] == 0                           # the cloud on top
    ys = {a.nodes[n][1] for n in ("vps", "router", "cafe", "jules-router")}
    assert len(ys) == 1 and ys.pop() < 0                         # the sites' gateways on one row
    home = [a.nodes[n] for n in ("tailscale", "proxmox", "debian")]
    assert len({y for _, y in home}) == 1 and len({x for x, _ in home}) == 3
    x0, x1, y = a.buses["heimnetz"]
    assert all(x0 < x < x1 for x, _ in home)                     # hosts hang below their segment
    assert a.nodes["tailscale"][1] < y < a.nodes["router"][1]


@pytest.mark.parametrize("state", [None, "ready"])
def test_seed_topology_has_no_overlapping_labels(state):
    lab = Lab.load("headscale", state=state) if state else Lab.load("headscale")
    scene = draw_topology(lab)
    assert overlapping_labels(scene) == []
    boxes = label_boxes(scene)
    assert len(boxes) >= 3 * len(lab.nodes)
    for node, icon in icon_boxes(scene).items():
        hits = [text for text, box in boxes if box.overlaps(icon)]
        assert hits == [], f"label on top of icon {node}: {hits}"
    width, height = scene.fig.canvas.get_width_height()
    for text, box in boxes:                                      # nothing is cut off at the edges
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, text


def test_overlapping_labels_detects_a_collision(ready_lab):
    scene = draw_topology(ready_lab)
    first = scene.labels[0]
    clone = scene.ax.annotate(first.get_text(), first.xy, xytext=first.get_position(),
                              textcoords=first.get_anncoords(), fontsize=first.get_fontsize())
    scene.labels.append(clone)
    assert overlapping_labels(scene) != []


def test_overlay_is_a_layer_that_can_be_hidden(ready_lab):
    members = read_model(ready_lab).overlay_members
    assert members == tuple(n for n in ready_lab.nodes
                            if "tailscale0" in ready_lab.run(n, "ip -o addr show").stdout)
    assert len(members) == 3
    shown = draw_topology(ready_lab, overlay=True)
    hidden = draw_topology(ready_lab, overlay=False)
    arcs = [a for a in shown.overlay_artists if not hasattr(a, "get_text")]
    assert len(arcs) == len(members) * (len(members) - 1) // 2
    assert not any(not hasattr(a, "get_text") for a in hidden.overlay_artists)
    assert read_model(Lab.load("headscale")).overlay_members == ()


def test_roles_pick_icons(ready_lab):
    model = read_model(ready_lab)
    assert model.nodes["internet"].icon == "internet"
    assert model.nodes["vps"].icon == "vps"               # runs headscale and DERP
    assert model.nodes["tailscale"].icon == "container"
    assert model.nodes["maschinchen"].icon == "laptop"
    assert model.nodes["router"].icon == "router"


# ---------------------------------------------------------------- traces on the topology
def _drop_markers(fig):
    return [ln for ln in fig.simnet_scene.ax.lines if ln.get_marker() == "X"]


def test_delivered_trace_is_drawn_without_cross(ready_lab):
    res = ready_lab.run("maschinchen", PING)
    assert res.trace.ok
    fig = views.draw(ready_lab, res.trace)
    view = path_view(res.trace, fig.simnet_scene.model)
    assert view.nodes[0] == "maschinchen" and "proxmox" in view.nodes
    assert _drop_markers(fig) == []
    arrows = [p for p in fig.simnet_scene.ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == len(view.moves) > 0
    assert ink(fig) > ink(views.draw(ready_lab))


def test_drop_is_a_cross_on_the_node_with_the_reason():
    lab = Lab.load("headscale", state="ready")
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
    res = lab.run("maschinchen", PING)
    fig = views.draw(lab, res.trace)
    (cross,) = _drop_markers(fig)
    assert (cross.get_xdata()[0], cross.get_ydata()[0]) == fig.simnet_scene.layout.nodes["tailscale"]
    captions = " ".join(t.get_text() for t in fig.texts)
    assert "Verworfen auf „tailscale“" in captions and "ip_forward" in captions


def test_rewrites_and_encapsulation_are_marked_where_they_happen(ready_lab):
    res = ready_lab.run("maschinchen", PING)
    view = path_view(res.trace)
    nat_nodes = {h.node for h in res.trace.main.hops for s in h.steps
                 if s.kind == "nat" and s.action in ("masquerade", "snat")}
    assert nat_nodes, "the seed path is masqueraded by the subnet router"
    assert {m.node for m in view.marks if m.kind == "nat" and m.tag in ("MASQUERADE", "SNAT")} == nat_nodes
    encap = {h.node for h in res.trace.main.hops for s in h.steps
             if s.kind == "tailnet" and s.action in ("encapsulate", "wireguard")}
    assert encap and {m.node for m in view.marks if m.kind == "encap"} == encap
    assert any(m.medium in ("tunnel", "derp") or m.encapsulated for m in view.moves)
    fig = views.draw(ready_lab, res.trace)
    tags = {t.get_text() for t in fig.simnet_scene.ax.texts}
    assert "MASQUERADE" in tags and ("→ WireGuard" in tags or "→ DERP" in tags)


def _all_disposition_traces(lab):
    """One trace per Disposition: a real path with the ending swapped in (the data model allows it)."""
    base = lab.run("maschinchen", PING).trace.main
    for d in Disposition:
        yield d, Trace((replace(base, disposition=d, where=None if d.is_success else "tailscale"),))


def test_traces_of_every_disposition_render(ready_lab):
    seen = set()
    for d, trace in _all_disposition_traces(ready_lab):
        fig = views.draw(ready_lab, trace, dpi=50)
        assert ink(fig) > 5_000, d
        assert len(_drop_markers(fig)) == (0 if d.is_success else 1), d
        seq = views.sequence(trace, dpi=50)
        assert ink(seq) > 1_000, d
        seen.add(d)
    assert seen == set(Disposition)


@pytest.mark.parametrize("setup,disposition", [
    ([("router", "sysctl -w net.ipv4.ip_forward=0")], Disposition.FORWARDING_DISABLED),
    ([("router", "iptables -A FORWARD -j DROP")], Disposition.FILTERED),
    ([("router", "iptables -A FORWARD -j REJECT")], Disposition.REJECTED),
    ([("server", "ip route del default")], Disposition.NO_ROUTE),
    ([], Disposition.DELIVERED),
])
def test_real_failures_on_a_small_lab(setup, disposition):
    lab = lan_lab()
    for node, cmd in setup:
        assert lab.run(node, cmd).returncode == 0
    res = lab.run("laptop", "ping -c 1 -W 1 10.0.5.10")
    assert res.trace.disposition is disposition
    fig = views.draw(lab, res)                       # a Result is fine, too
    assert len(_drop_markers(fig)) == (0 if disposition.is_success else 1)
    view = path_view(res.trace, fig.simnet_scene.model)
    assert all(m.medium == "wire" and m.segment in lab.segments for m in view.moves)


def test_no_packet_trace_draws_a_note(ready_lab):
    res = ready_lab.run("maschinchen", "echo hallo")
    fig = views.draw(ready_lab, res.trace)
    assert "Kein Paket gesendet." in [t.get_text() for t in fig.texts]


# ---------------------------------------------------------------- animation and sequence diagram
def test_animation_plays_offline(ready_lab):
    res = ready_lab.run("maschinchen", PING)
    anim = animate_trace(res.trace, ready_lab, frames_per_move=2, hold=2, dpi=30)
    view = anim.simnet_view
    html = anim.to_jshtml()
    assert "<script" in html and "data:image/png;base64" in html
    assert html.count("data:image/png;base64") == len(frame_plan(view, 2, 2)) == 2 * len(view.moves) + 2
    assert "data:image/png;base64" in anim._repr_html_()          # a notebook cell shows the player


def test_animation_without_lab_puts_the_path_in_a_row():
    lab = lan_lab()
    res = lab.run("laptop", "ping -c 1 -W 1 10.0.5.10")
    anim = views.animate(res.trace, frames_per_move=1, hold=1, dpi=30)
    layout = anim._fig.simnet_scene.layout if hasattr(anim._fig, "simnet_scene") else None
    assert layout is None
    assert "data:image/png;base64" in anim.to_jshtml()
    assert [m.src for m in anim.simnet_view.moves][:2] == ["laptop", "router"]


def test_animation_of_an_empty_trace_is_a_german_error(ready_lab):
    with pytest.raises(ValueError, match="kein Paket"):
        views.animate(ready_lab.run("maschinchen", "true").trace)


def test_sequence_rows_follow_the_packets():
    lab = lan_lab()
    res = lab.run("laptop", "ping -c 2 -W 1 10.0.5.10")
    rows = sequence_rows(res.trace)
    moves = [r for r in rows if r.kind == "move"]
    expected = sum(len(path_view(p).moves) for p in res.trace.packets)
    assert len(moves) == expected == 8
    assert [(r.src, r.dst, r.label) for r in moves[:4]] == [
        ("laptop", "router", "ICMP echo request"), ("router", "server", "ICMP echo request"),
        ("server", "router", "ICMP echo reply"), ("router", "laptop", "ICMP echo reply")]
    assert {r.packet for r in moves} == {0, 1}
    fig = views.sequence(res.trace, lab=lab)
    lanes = [t.get_text() for t in fig.axes[0].texts if t.get_text() in lab.nodes]
    assert lanes == ["laptop", "router", "server"]


def test_sequence_shows_unanswered_arp_and_the_drop():
    lab = lan_lab()
    res = lab.run("laptop", "ping -c 1 -W 5 192.168.0.77")     # ARP gives up after 3 s
    assert res.trace.disposition is Disposition.ARP_FAILED
    rows = sequence_rows(res.trace)
    assert rows[0].kind == "arp" and rows[0].label == "ARP who-has 192.168.0.77?"
    assert rows[-1].kind == "drop" and rows[-1].src == "laptop"
    assert ink(views.sequence(res.trace)) > 2_000


def test_sequence_of_tailnet_exchanges(ready_lab):
    res = ready_lab.run("maschinchen", "tailscale ping -c 1 jules-laptop")
    rows = sequence_rows(res.trace)
    labels = {r.label.split(" (")[0] for r in rows if r.kind == "move"}
    flows = {p.flow.split(" ")[0] for p in res.trace.packets}
    if "disco" in flows:
        assert {"disco ping", "disco pong"} & labels
    assert ink(views.sequence(res.trace, lab=ready_lab)) > 2_000


# ---------------------------------------------------------------- toggles
class WithoutSetNat:
    """A lab as it was before NAT types existed: everything but set_nat/nat_type."""

    def __init__(self, lab):
        self._lab = lab

    def __getattr__(self, name):
        if name in ("set_nat", "nat_type"):
            raise AttributeError(name)
        return getattr(self._lab, name)


def test_nat_toggles_only_when_the_lab_can_set_nat():
    lab = Lab.load("headscale", state="ready")
    names = [t.name for t in available(lab)]
    if hasattr(lab, "set_nat"):
        assert "nat_type@cafe" in names and "udp_blocked@cafe" in names
    old = [t.name for t in available(WithoutSetNat(lab))]
    assert not any(n.startswith(("nat_type@", "udp_blocked@")) for n in old)
    assert "ip_forward@tailscale" in old
    with pytest.raises(ToggleError, match="NAT-Typen"):
        make_toggle(WithoutSetNat(lab), "nat_type@cafe")


def test_seed_lab_offers_the_settings_that_matter():
    names = views.toggles_for(Lab.load("headscale", state="ready"))
    for expected in ("ip_forward@tailscale", "masquerade@router", "route_approved@192.168.0.0/24",
                     "accept_routes@maschinchen", "snat_subnet_routes@tailscale", "back_route@proxmox"):
        assert expected in names


def test_every_bool_toggle_flips_and_flips_back():
    lab = Lab.load("headscale", state="ready")
    for t in available(lab):
        if t.kind != "bool":
            continue
        before = t.read(lab)
        t.set(lab, not before)
        assert t.read(lab) is (not before), t.name
        t.set(lab, before)
        assert t.read(lab) is before, t.name
        assert len(t.commands) == 2, t.name
    assert lab.run("maschinchen", PING).returncode == 0


def test_toggles_run_the_real_commands():
    lab = Lab.load("headscale", state="ready")
    fwd = make_toggle(lab, "ip_forward@tailscale")
    fwd.set(lab, False)
    assert fwd.commands == ["tailscale$ sysctl -w net.ipv4.ip_forward=0"]
    assert lab.run("tailscale", "sysctl net.ipv4.ip_forward").stdout == "net.ipv4.ip_forward = 0\n"
    masq = make_toggle(lab, "masquerade@router")
    masq.set(lab, False)
    assert "-A POSTROUTING -o wan -j MASQUERADE" not in lab.run("router", "iptables -t nat -S").stdout
    route = make_toggle(lab, "route_approved@192.168.0.0/24")
    route.set(lab, False)
    assert route.commands[-1].startswith("vps$ headscale nodes approve-routes --identifier ")
    assert "192.168.0.0/24 dev tailscale0" not in lab.run("maschinchen", "ip route show table 52").stdout


@pytest.mark.parametrize("name,match", [
    ("ip_forward@nirgendwo", "keinen Knoten"), ("gibtsnicht@router", "Unbekannter Schalter"),
    ("ip_forward", "Unbekannter Schalter"), ("route_approved@10.9.9.0/24", "Kein Knoten bietet"),
    ("route_approved@quatsch", "kein Netz"),
])
def test_bad_toggle_names_give_german_errors(ready_lab, name, match):
    with pytest.raises(ToggleError, match=match):
        make_toggle(ready_lab, name)


def test_nat_type_toggle_switches_the_router():
    lab = Lab.load("headscale", state="ready")
    if not hasattr(lab, "set_nat"):
        pytest.skip("lab.set_nat not available")
    t = make_toggle(lab, "nat_type@cafe")
    assert "symmetric" in t.choices and t.kind == "choice"
    t.set(lab, "symmetric")
    assert lab.nat_type("cafe") == "symmetric" == t.read(lab)
    with pytest.raises(ToggleError, match="Möglich"):
        t.set(lab, "gibts-nicht")
    blocked = make_toggle(lab, "udp_blocked@cafe")
    blocked.set(lab, True)
    assert lab.nat_type("cafe") == "udp-blocked"
    blocked.set(lab, False)
    assert lab.nat_type("cafe") == "symmetric"          # what it was before


# ---------------------------------------------------------------- the live panel
SWITCHES = ["ip_forward@tailscale", "route_approved@192.168.0.0/24", "accept_routes@maschinchen",
            "snat_subnet_routes@tailscale", "back_route@proxmox"]


def test_panel_is_a_widget_whose_callbacks_change_the_verdict():
    import ipywidgets

    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("maschinchen", PING), toggles=SWITCHES)
    assert isinstance(panel, ipywidgets.Box)
    assert panel.verdict.startswith("✓") and panel.picture[:3] == b"\xff\xd8\xff"     # a JPEG
    ok_picture = panel.picture
    assert panel.values() == {"ip_forward@tailscale": True, "route_approved@192.168.0.0/24": True,
                              "accept_routes@maschinchen": True, "snat_subnet_routes@tailscale": True,
                              "back_route@proxmox": False}
    verdict = panel.toggle("ip_forward@tailscale", False)
    assert verdict.startswith("✗") and "„tailscale“" in verdict
    assert "ip_forward" in panel.explanation and panel.result.returncode == 1
    assert panel.picture != ok_picture
    assert panel.toggle("ip_forward@tailscale", True).startswith("✓")
    # the browser's way: change the checkbox, the observer runs the command
    panel._controls["accept_routes@maschinchen"].value = False
    assert panel.verdict.startswith("✗")
    assert lab.run("maschinchen", "ip route show table 52").stdout.count("192.168.0.0/24") == 0
    panel._controls["accept_routes@maschinchen"].value = True
    assert panel.verdict.startswith("✓")


def test_panel_back_route_story():
    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("maschinchen", PING), toggles=SWITCHES, draw=False)
    assert panel.toggle("snat_subnet_routes@tailscale", False).startswith("✗")
    assert "Rückroute" in panel.explanation or "Rückweg" in panel.explanation
    assert panel.toggle("back_route@proxmox", True).startswith("✓")
    assert "100.64.0.0/10 via 192.168.0.150" in lab.run("proxmox", "ip route").stdout


def test_panel_syncs_switches_changed_outside():
    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("maschinchen", PING), toggles=SWITCHES, draw=False)
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
    assert panel.rerun().startswith("✗")
    assert panel.values()["ip_forward@tailscale"] is False


def test_panel_survives_bad_input():
    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("nirgendwo", PING), toggles=[], draw=False)
    assert panel.verdict.startswith("✗") and "nirgendwo" in panel.explanation
    panel = views.panel(lab, probe=("maschinchen", "ping -c"), toggles=["ip_forward@tailscale"], draw=False)
    assert panel.verdict.startswith("✗") and "ping" in panel.explanation
    panel.toggle("gibtsnicht", True)
    assert "gibt es hier nicht" in panel.message
    with pytest.raises(ToggleError):
        views.panel(lab, probe=("maschinchen", PING), toggles=["ip_forward@nirgendwo"])


def test_default_panel_has_all_available_switches():
    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("maschinchen", PING), draw=False)
    assert list(panel.switches) == views.toggles_for(lab)


def test_dnat_is_marked_on_the_router_and_in_the_caption():
    lab = lan_lab()
    assert lab.run("router", "iptables -t nat -A PREROUTING -i eth0 -d 192.168.0.1 "
                             "-j DNAT --to-destination 10.0.5.10").returncode == 0
    res = lab.run("laptop", "ping -c 1 -W 1 192.168.0.1")
    assert res.trace.ok
    view = path_view(res.trace)
    assert view.nodes == ("laptop", "router", "server", "router", "laptop")
    dnat = [m for m in view.marks if m.tag == "DNAT"]
    assert [m.node for m in dnat] == ["router"] and "192.168.0.1 → 10.0.5.10" in dnat[0].text
    fig = views.draw(lab, res.trace)
    assert "DNAT" in {t.get_text() for t in fig.simnet_scene.ax.texts}
    assert any("DNAT auf „router“: Ziel 192.168.0.1 → 10.0.5.10" in t.get_text() for t in fig.texts)


def test_every_role_has_its_own_icon_and_german_legend_entry():
    from simnet.views.style import ROLE_NAMES, ROLE_STYLE

    roles = ["router", "server", "container", "hypervisor", "vm", "laptop", "host"]
    nodes = {f"n{k}": {"role": r, "interfaces": {"eth0": "lan"},
                       "startup": [f"ip addr add 192.168.0.{k + 1}/24 dev eth0"]} for k, r in enumerate(roles)}
    nodes["internet"] = {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.99/24 dev eth0"]}
    lab = Lab.from_dict({"name": "rollen", "nodes": nodes})
    scene = draw_topology(lab)
    assert {n.icon for n in scene.model.nodes.values()} == set(roles) | {"internet"}
    shapes = {ROLE_STYLE[i][:2] for i in set(roles) | {"internet"}}
    assert len(shapes) == len(roles) + 1                       # shape and colour tell every role apart
    from simnet.views.topology import add_legend

    add_legend(scene)
    legend = {t.get_text() for t in scene.fig.legends[0].get_texts()}
    assert legend == {ROLE_NAMES[i] for i in set(roles) | {"internet"}}
    assert overlapping_labels(scene) == []


def test_without_underlay_the_tunnel_is_one_move(ready_lab):
    res = ready_lab.run("maschinchen", PING)
    full = path_view(res.trace)
    short = path_view(res.trace, underlay=False)
    carriers = {h.node for h in res.trace.main.hops if getattr(h, "underlay", False)}
    assert set(short.nodes) == set(full.nodes) - (carriers - {"tailscale", "maschinchen", "proxmox"})
    assert short.nodes == ("maschinchen", "tailscale", "proxmox", "tailscale", "maschinchen")
    first = short.moves[0]
    assert (first.src, first.dst) == ("maschinchen", "tailscale") and first.medium in ("tunnel", "derp")
    assert len(short.moves) <= len(full.moves)
    rows = sequence_rows(res.trace, underlay=False)
    assert [r.src for r in rows if r.kind == "move"] == ["maschinchen", "tailscale", "proxmox", "tailscale"]
    assert ink(views.draw(ready_lab, res.trace, underlay=False, dpi=50)) > 5_000


def test_random_switching_always_matches_a_fresh_probe():
    """Whatever order the learner clicks in, the panel says what the probe says right now."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from simnet.views.style import verdict_line

    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("maschinchen", PING), toggles=SWITCHES, draw=False)
    start = panel.values()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(SWITCHES), st.booleans()), min_size=1, max_size=6))
    def clicks(steps):
        for name, value in steps:
            verdict = panel.toggle(name, value)
            assert panel.values()[name] is value
            assert verdict == verdict_line(lab.run(*panel.probe).trace)
        for name, value in start.items():           # back to the start for the next example
            panel.toggle(name, value)
        assert panel.verdict.startswith("✓")

    clicks()


def test_a_big_lab_still_draws():
    nodes = {f"pc{k}": {"interfaces": {"eth0": "lan"}, "startup": [f"ip addr add 10.0.{k // 200}.{k % 200 + 1}/16 dev eth0"]}
             for k in range(60)}
    lab = Lab.from_dict({"name": "gross", "nodes": nodes})
    fig = views.draw(lab, dpi=40)
    assert fig.get_figwidth() <= 40 and ink(fig) > 5_000


def test_legend_names_only_what_the_picture_shows():
    lab = Lab.load("heimnetz")
    res = lab.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")       # no VPN: dropped on the way
    assert not res.trace.ok
    legend = {t.get_text() for t in views.draw(lab, res.trace, dpi=50).legends[0].get_texts()}
    assert {"Hinweg", "verworfen"} <= legend and "im Tunnel (verschlüsselt)" not in legend
    ok = Lab.load("headscale", state="ready")
    legend = {t.get_text() for t in views.draw(ok, ok.run("maschinchen", PING).trace, dpi=50).legends[0].get_texts()}
    assert "im Tunnel (verschlüsselt)" in legend and "verworfen" not in legend


def test_panel_picture_carries_the_marks():
    lab = Lab.load("headscale", state="ready")
    panel = views.panel(lab, probe=("maschinchen", PING), toggles=[])
    assert any(m.kind == "nat" for m in panel.view.marks)
    renderer = panel._renderer
    with_marks = renderer.render(panel.view)
    without = renderer.render(replace(panel.view, marks=()))
    assert with_marks != without
    assert renderer.render(panel.view) == with_marks            # same trace, same picture
    stamp = renderer._stamp("MASQUERADE", "#0072B2")
    assert stamp.shape[0] < stamp.shape[1] and stamp[..., 3].max() == 255
