"""headscale's node lookups by machine key, IPv4 address and given name, kept as nodes are added.

Why: registering a node asked every node already known three times (is the machine key known, is the
address used, is the name taken), so a tailnet of a thousand nodes registered in quadratic time
(issue 20). :meth:`simnet.tailnet.control.Headscale.add_node` adds to the index; deleting or renaming
a node, or a ``nodes`` dict changed behind the server's back (another dict, another size), makes the
next lookup read all nodes once more. The answers are those of a scan in the dict's order (the first
node with a machine key wins), which tests/test_hsindex.py holds the index to.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simnet.tailnet.control import HsNode

__all__ = ["NodeIndex"]


class NodeIndex:
    """What a scan of ``Headscale.nodes`` would find, for the nodes dict it was built from."""

    def __init__(self) -> None:
        self._of: dict[int, HsNode] | None = None
        self._size = -1
        self.by_machine: dict[bytes, HsNode] = {}
        self.v4: set[int] = set()               # IPv4 addresses in use, as ints (an address hashes through hex())
        self.names: set[str] = set()            # given names in use

    def of(self, nodes: dict[int, "HsNode"]) -> "NodeIndex":
        """The index, read anew from ``nodes`` when it is not the dict (or size) it follows."""
        if nodes is not self._of or len(nodes) != self._size:
            self._of, self._size = nodes, len(nodes)
            self.by_machine, self.v4, self.names = {}, set(), set()
            for n in nodes.values():
                self._take(n)
        return self

    def added(self, nodes: dict[int, "HsNode"], node: "HsNode") -> None:
        """``node`` was just put into ``nodes`` (which the index followed before)."""
        if nodes is self._of and len(nodes) == self._size + 1:
            self._size += 1
            self._take(node)
        else:
            self.stale()

    def stale(self) -> None:
        """A node left or changed its name: read all of them on the next lookup."""
        self._of = None

    def _take(self, n: "HsNode") -> None:
        self.by_machine.setdefault(n.machine_key, n)
        self.v4.add(int(n.ipv4))
        self.names.add(n.given_name)
