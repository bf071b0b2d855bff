"""IPv6 forwarding and router advertisements on the exit node (kernel case tsv6_ra_purge):
turning forwarding on deletes the RA default route at once (rt6_purge_dflt_routers) and the
kernel ignores further advertisements unless accept_ra=2."""
from simnet.lab import Lab

DEFAULT = "ip -6 route show default"


def test_forwarding_on_deletes_the_ra_default_route_and_accept_ra_2_brings_it_back():
    lab = Lab.load("headscale")
    assert lab.run("tailscale", DEFAULT).stdout.startswith("default via fe80::")
    lab.run("tailscale", "sysctl -w net.ipv6.conf.all.forwarding=1")
    assert lab.run("tailscale", DEFAULT).stdout == ""
    assert "2001:db8:1:" in lab.run("tailscale", "ip -6 addr show dev eth0 scope global").stdout  # the address stays
    lab.advance(700)                                  # advertisements come, the kernel ignores them
    assert lab.run("tailscale", DEFAULT).stdout == ""
    r = lab.run("tailscale", "ping -6 -c 1 2001:db8:ff00::10")
    assert (r.returncode, r.stderr) == (2, "ping: connect: Network is unreachable\n")
    assert "sysctl -w net.ipv6.conf.eth0.accept_ra=2" in r.trace.explain()
    lab.run("tailscale", "sysctl net.ipv6.conf.eth0.accept_ra=2")
    lab.advance(600)                                  # radvd's next advertisement (MaxRtrAdvInterval)
    assert lab.run("tailscale", DEFAULT).stdout.startswith("default via fe80::")
    lab.run("tailscale", "sysctl -w net.ipv6.conf.all.forwarding=1")     # purges again, but not accept_ra=2
    assert lab.run("tailscale", DEFAULT).stdout.startswith("default via fe80::")
    assert lab.run("tailscale", "ping -6 -c 1 2001:db8:ff00::10").returncode == 0


def test_a_device_write_purges_too_and_a_lan_host_without_forwarding_keeps_its_route():
    lab = Lab.load("headscale")
    lab.run("proxmox", "sysctl -w net.ipv6.conf.eth0.forwarding=1")
    assert lab.run("proxmox", DEFAULT).stdout == ""
    assert lab.run("debian", DEFAULT).stdout.startswith("default via fe80::")
    r = lab.run("debian", "ping -6 -c 1 2001:db8:ff00::10")
    assert r.returncode == 0


def test_the_ready_exit_node_keeps_its_ipv6_default_route_past_its_lifetime():
    lab = Lab.load("headscale", state="ready")
    assert "net.ipv6.conf.eth0.accept_ra = 2" in lab.run("tailscale", "cat /etc/sysctl.conf").stdout
    lab.advance(1900)                                 # longer than the route's 1800 s
    assert lab.run("tailscale", DEFAULT).stdout.startswith("default via fe80::")
    lab.run("tailscale", "sysctl -w net.ipv6.conf.eth0.accept_ra=1")
    lab.advance(1900)                                 # now only its lifetime counts: it runs out
    assert lab.run("tailscale", DEFAULT).stdout == ""
