"""simnet protokoll: the commissioning protocol of a lab (plan, address table, tests, sign-off),
and the rule that a file a learner edited is never overwritten without --force."""
from __future__ import annotations

import re

import pytest

from simnet import Lab
from simnet.cli import main
from simnet.views.protokoll import ProtokollError, address_rows


def test_address_table_reads_gateways_and_vlans_from_the_lab():
    rows = {(r.host, r.iface): r for r in address_rows(Lab.load("vlan"))}
    assert (rows["pc1", "eth0"].address, rows["pc1", "eth0"].gateway, rows["pc1", "eth0"].vlan) == \
        ("192.168.10.11/24", "192.168.10.1", "10")
    assert rows["gast2", "eth0"].vlan == "20"
    assert rows["router", "eth0.20"].vlan == "20 (Subschnittstelle)"
    assert rows["sw1", "eth4"].vlan == "Trunk: 10, 20 getaggt, 1 ungetaggt"
    assert rows["sw2", "eth2"].vlan == "20 (Access-Port)"
    headscale = {(r.host, r.iface): r for r in address_rows(Lab.load("headscale"))}
    assert headscale["maschinchen", "wlan0"].dns != "–"      # read from /etc/resolv.conf


def test_a_changed_vlan_shows_in_the_next_protocol():
    lab = Lab.load("vlan")
    lab.run("sw2", "bridge vlan add dev eth1 vid 20 pvid untagged")
    lab.run("sw2", "bridge vlan del dev eth1 vid 10")
    rows = {(r.host, r.iface): r for r in address_rows(lab)}
    assert rows["pc2", "eth0"].vlan == "20"
    doc = lab.protokoll(tests=["pc1: ping -c 1 -W 5 192.168.10.12"])
    assert doc.passed == 0 and "Destination Host Unreachable" in doc.results[0].output
    assert "VLAN 10 endet dort" in doc.results[0].explanation
    assert "| 1 | 18.01.2026 10:00:00 | pc1 | `ping -c 1 -W 5 192.168.10.12` | erfolgreich | gescheitert " \
           "(Exit-Code 1) | ✘ Abweichung |" in doc.markdown()


def test_default_plan_pings_every_gateway_and_blocked_tests_expect_failure():
    lab = Lab.load("dmz")
    doc = lab.protokoll()
    assert [r.test.node for r in doc.results] == ["extern", "firewall", "web", "pc"]
    assert doc.passed == 4
    doc = lab.protokoll(tests=[("web", "ping -c 1 -W 1 192.168.0.20", False)])
    assert doc.results[0].passed and not doc.results[0].ok
    assert "scheitert (gesperrt)" in doc.markdown()


def test_markdown_and_html_have_plan_table_tests_and_signoff(tmp_path):
    doc = Lab.load("buero").protokoll()
    md = doc.markdown("plan.svg")
    for part in ("# Inbetriebnahme-Protokoll: Lab „buero“", "## 1. Netzwerkplan", "![Netzwerkplan des Labs „buero“](plan.svg)",
                 "| pc1 | eth0 | 192.168.1.11/24 | 192.168.1.1 | – | – |", "## 3. Tests", "6 Tests, 6 wie erwartet.",
                 "root@werk3:~# ping -c 1 -W 1 192.168.2.1", "## 4. Abnahme", "Unterschrift"):
        assert part in md, part
    page = doc.html()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<h2>2. Adresstabelle</h2>" in page
    assert re.search(r"<td>werk1</td><td>eth0</td><td>192\.168\.2\.21/24</td><td>192\.168\.2\.1</td>", page)


def test_an_edited_file_is_not_overwritten_without_force(tmp_path):
    lab = Lab.load("buero")
    out = tmp_path / "abnahme.md"
    lab.protokoll(out)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["abnahme.md", "abnahme.svg"]
    assert (tmp_path / "abnahme.svg").read_text(encoding="utf-8").count("<svg") == 1
    lab.protokoll(out)                                    # unchanged since simnet wrote it: fine
    text = out.read_text(encoding="utf-8").replace("Ausgeführt von: ______", "Ausgeführt von: Daniel")
    out.write_text(text, encoding="utf-8")
    with pytest.raises(ProtokollError, match="verändert"):
        lab.protokoll(out)
    assert "Daniel" in out.read_text(encoding="utf-8")
    lab.protokoll(out, force=True)
    assert "Daniel" not in out.read_text(encoding="utf-8")
    foreign = tmp_path / "fremd.html"
    foreign.write_text("<p>meins</p>", encoding="utf-8")
    with pytest.raises(ProtokollError):
        lab.protokoll(foreign)
    with pytest.raises(ProtokollError, match=".md oder .html"):
        lab.protokoll(tmp_path / "x.pdf")


def test_cli_writes_refuses_and_forces(tmp_path, capsys):
    out = tmp_path / "p.html"
    assert main(["protokoll", "dmz", "--out", str(out), "--test", "extern: nc -zv -w 2 198.51.100.57 80",
                 "--sperre", "web: ping -c 1 -W 1 192.168.0.20"]) == 0
    assert "2 Tests, 1 wie erwartet" in capsys.readouterr().out       # nothing listens on web:80
    out.write_text(out.read_text(encoding="utf-8") + "<p>Notiz</p>", encoding="utf-8")
    assert main(["protokoll", "dmz", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["protokoll", "dmz", "--out", str(out), "--force"]) == 0
    assert main(["protokoll", "dmz", "--test", "pc ping"]) == 2
    assert "KNOTEN: BEFEHL" in capsys.readouterr().err
    assert main(["protokoll", "dmz", "--test", "nirgends: true"]) == 2
    assert main(["protokoll", "buero"]) == 0
    assert capsys.readouterr().out.startswith("# Inbetriebnahme-Protokoll: Lab „buero“")


def test_the_tables_on_the_lesson_page_are_what_simnet_protokoll_writes():
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "lessons" / "06-diagnose" / "inbetriebnahme-protokoll.md")
    text = page.read_text(encoding="utf-8")
    doc = Lab.load("vlan").protokoll(tests=["pc1: ping -c 1 192.168.10.12",
                                            ("gast1", "ping -c 1 -W 1 192.168.10.12", False)])
    md = doc.markdown()
    for head in ("| Gerät | Schnittstelle |", "| Nr. | Zeit |"):
        table = md[md.index(head):].split("\n\n", 1)[0]
        assert table in text, head


def test_cli_state_is_set_up_before_the_tests_run(tmp_path, capsys):
    """--state runs the lab's state first: ufw on the VPS (state firewall) has no port 80."""
    test = "maschinchen: nc -zv -w 2 vpn.example.net 80"
    with_state, without = tmp_path / "mit.md", tmp_path / "ohne.md"
    assert main(["protokoll", "headscale", "--state", "firewall", "--out", str(with_state), "--test", test]) == 0
    assert "(1 Tests, 0 wie erwartet)" in capsys.readouterr().out
    assert main(["protokoll", "headscale", "--out", str(without), "--test", test]) == 0
    assert "(1 Tests, 1 wie erwartet)" in capsys.readouterr().out
    text = with_state.read_text(encoding="utf-8")
    assert "- Lab: headscale (Zustand „firewall“)" in text
    assert re.search(r"\| 1 \| [^|]+ \| maschinchen \| `nc -zv -w 2 vpn.example.net 80` \| erfolgreich \| "
                     r"gescheitert \(Exit-Code 1\) \| ✘ Abweichung \|", text)
    assert "timed out: Operation now in progress" in text
    assert "Zustand" not in without.read_text(encoding="utf-8").split("\n## ")[0]


def test_cli_state_of_a_lab_file_and_an_unknown_state(tmp_path, capsys):
    from pathlib import Path

    import simnet

    lab_file = tmp_path / "buero.yaml"
    text = (Path(simnet.__file__).parent / "labs" / "buero.yaml").read_text(encoding="utf-8")
    assert "\nstates:" not in text
    lab_file.write_text(text + "states:\n  umgebaut:\n    - pc1: ip addr add 192.168.1.99/24 dev eth0\n",
                        encoding="utf-8")
    out = tmp_path / "p.md"
    assert main(["protokoll", str(lab_file), "--state", "umgebaut", "--out", str(out)]) == 0
    doc = out.read_text(encoding="utf-8")
    assert "| pc1 | eth0 | 192.168.1.11/24, 192.168.1.99/24 | 192.168.1.1 | – | – |" in doc
    assert "- Lab: buero (Zustand „umgebaut“)" in doc
    capsys.readouterr()
    assert main(["protokoll", str(lab_file), "--state", "kaputt", "--out", str(tmp_path / "q.md")]) == 2
    assert "keinen Zustand „kaputt“. Vorhanden: umgebaut." in capsys.readouterr().err
    assert not (tmp_path / "q.md").exists()
