from tests.kernel.normalize import normalize


def test_ping_times_are_normalised():
    a = "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.234 ms\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"
    b = "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=12.5 ms\n1 packets transmitted, 1 received, 0% packet loss, time 7ms\n"
    assert normalize(a) == normalize(b)


def test_addresses_and_ttl_are_not_normalised():
    a = "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.234 ms\n"
    assert normalize(a) != normalize(a.replace("ttl=64", "ttl=63"))
    assert normalize(a) != normalize(a.replace("10.0.0.1", "10.0.0.2"))


def test_bash_line_prefix_and_veth_peer():
    assert normalize("bash: line 1: foo: command not found\n") == "bash: foo: command not found\n"
    assert normalize("2: eth0@if7: <UP>\n    link/ether x link-netns sw1\n") == \
        normalize("2: eth0@if3: <UP>\n    link/ether x link-netnsid 0\n")


def test_neighbour_dump_order_is_ignored():
    a = "10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 REACHABLE \n10.0.0.2 dev eth0 FAILED \n"
    b = "10.0.0.2 dev eth0 FAILED \n10.0.0.1 dev eth0 lladdr 02:00:00:00:00:01 REACHABLE \n"
    assert normalize(a, "ip neigh") == normalize(b, "ip neigh")
    assert normalize(a, "ip route") != normalize(b, "ip route")


def test_ss_header_padding_follows_the_pid_width():
    a = ("State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess                             \n"
         "UNCONN 0      0            0.0.0.0:53        0.0.0.0:*    users:((\"dnsmasq\",pid=567381,fd=4))\n")
    b = ("State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess                          \n"
         "UNCONN 0      0            0.0.0.0:53        0.0.0.0:*    users:((\"dnsmasq\",pid=743,fd=4))\n")
    assert normalize(a) == normalize(b)
    assert normalize(a) != normalize(b.replace("fd=4", "fd=3"))
