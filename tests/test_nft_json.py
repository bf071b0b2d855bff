"""nft -j list ruleset in a simnet lab (the exact texts are held to nft 1.0.6 by tests/kernel nft2_json)."""
from __future__ import annotations

import json

from simnet.lab import Lab


def test_json_listing_counts_what_the_engine_saw() -> None:
    lab = Lab.load("heimnetz")
    node = next(n for n in lab.nodes if n != "internet")
    for line in ("nft add table ip t", "nft 'add chain ip t c { type filter hook output priority 0; }'",
                 "nft add rule ip t c ip daddr 127.0.0.1 counter accept"):
        assert lab.run(node, line).returncode == 0
    lab.run(node, "ping -c 2 -i 0.2 127.0.0.1")
    res = lab.run(node, "nft -j list ruleset ip")
    items = json.loads(res.stdout)["nftables"]
    rule = next(i["rule"] for i in items if "rule" in i and i["rule"]["table"] == "t")
    assert rule["expr"][1] == {"counter": {"packets": 4, "bytes": 336}}
    assert rule["expr"][0]["match"]["right"] == "127.0.0.1"
    assert lab.run(node, "nft -j list table ip t").returncode == 1
