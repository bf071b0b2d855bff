"""The (y|n) questions of ufw and headscale: Enter alone (empty input) never goes ahead."""
from __future__ import annotations

from simnet import Lab

PROMPT = "Command may disrupt existing ssh connections. Proceed with operation (y|n)? "


def test_ufw_enable_aborts_without_a_yes():
    lab = Lab.load("headscale")
    lab.run("vps", "ufw allow 22/tcp")
    r = lab.run("vps", "sudo ufw enable")
    assert (r.returncode, r.stdout) == (0, PROMPT + "Aborted\n")
    assert lab.run("vps", "ufw status").stdout == "Status: inactive\n"
    assert lab.run("vps", "echo n | ufw enable").stdout == PROMPT + "Aborted\n"
    r = lab.run("vps", "echo y | ufw enable")
    assert r.stdout == PROMPT + "Firewall is active and enabled on system startup\n"
    assert lab.run("vps", "ufw status").stdout.startswith("Status: active\n")


def test_ufw_delete_by_number_asks_and_reset_too():
    lab = Lab.load("headscale", state="firewall")
    before = lab.run("vps", "ufw status numbered").stdout
    r = lab.run("vps", "ufw delete 1")
    assert r.stdout == "Deleting:\n allow 22/tcp\nProceed with operation (y|n)? Aborted\n"
    assert lab.run("vps", "ufw status numbered").stdout == before
    r = lab.run("vps", "echo yes | ufw delete 1")
    assert r.stdout.endswith("Proceed with operation (y|n)? Rule deleted\n")
    assert lab.run("vps", "ufw --force delete 1").stdout == "Rule deleted\n"
    r = lab.run("vps", "ufw reset")
    assert r.stdout == "Resetting all rules to installed defaults. Proceed with operation (y|n)? Aborted\n"
    assert lab.run("vps", "ufw status").stdout.startswith("Status: active")


def test_headscale_nodes_delete_needs_a_yes_or_force():
    lab = Lab.load("headscale", state="ready")
    r = lab.run("vps", "headscale nodes delete --identifier 3")
    # headscale 0.27.1 asks on stderr and, like its SuccessOutput, exits 0 when nothing was deleted
    assert r.stderr == "Do you want to remove the node jules-laptop? [y/n] "
    assert (r.returncode, r.stdout) == (0, "Node not deleted\n")
    assert "jules-laptop" in lab.run("vps", "headscale nodes list").stdout
    r = lab.run("vps", "echo y | headscale nodes delete --identifier 3")
    assert r.stdout == "Node deleted\n"
    assert "jules-laptop" not in lab.run("vps", "headscale nodes list").stdout
    r = lab.run("vps", "headscale nodes delete --identifier 2 --force")
    assert (r.returncode, r.stdout, r.stderr) == (0, "Node deleted\n", "")


def test_headscale_reads_its_answer_like_fmt_scanln():
    """util.YesNo takes the first word of the first line: "y please" deletes, "n\\ny" does not."""
    lab = Lab.load("headscale", state="ready")
    r = lab.run("vps", "printf 'n\\ny\\n' | headscale nodes delete --identifier 3")
    assert (r.returncode, r.stdout) == (0, "Node not deleted\n")
    r = lab.run("vps", "echo '  YES please' | headscale nodes delete --identifier 3")
    assert (r.returncode, r.stdout) == (0, "Node deleted\n")
