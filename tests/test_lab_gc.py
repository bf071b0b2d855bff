"""A large lab is built with the cyclic collector paused and then moved straight into the oldest
generation (simnet.loader.collector_paused); labs dropped after that must still be freed."""
from __future__ import annotations

import gc
import weakref

import pytest

from simnet import Lab
from simnet import loader


def _lab_dict(name: str, n: int) -> dict:
    nodes = {f"h{i}": {"interfaces": {"eth0": "lan"}, "startup": [f"ip addr add 10.0.{i // 250}.{i % 250 + 1}/16 dev eth0"]}
             for i in range(n)}
    return {"name": name, "nodes": nodes}


@pytest.fixture
def collector():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_large_lab_lands_in_the_oldest_generation(collector, monkeypatch) -> None:
    monkeypatch.setattr(loader, "PROMOTE_MIN", 100)
    gc.collect()
    lab = Lab.from_dict(_lab_dict("gross", 20))
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0                  # nothing stays frozen
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(lab) in oldest and all(id(node) in oldest for node in lab.nodes.values())
    assert lab.run("h1", "ping -c 1 10.0.0.1").returncode == 0


def test_a_small_lab_takes_the_usual_way(collector, monkeypatch) -> None:
    monkeypatch.setattr(loader, "PROMOTE_MIN", 10**9)
    gc.collect()
    lab = Lab.from_dict(_lab_dict("klein", 3))
    assert id(lab) not in {id(o) for o in gc.get_objects(generation=2)}


def test_dropped_large_labs_are_freed_by_a_later_build(collector, monkeypatch) -> None:
    monkeypatch.setattr(loader, "PROMOTE_MIN", 100)
    monkeypatch.setattr(loader, "PROMOTED_MAX", 100)
    gc.collect()
    old = Lab.from_dict(_lab_dict("alt", 20))
    gone = weakref.ref(old)
    del old                                    # cycles (node.lab <-> lab.nodes): only the collector frees it
    assert gone() is not None
    Lab.from_dict(_lab_dict("neu", 20))       # more than PROMOTED_MAX were moved: this build collects first
    assert gone() is None


def test_a_paused_collector_stays_paused(collector, monkeypatch) -> None:
    monkeypatch.setattr(loader, "PROMOTE_MIN", 100)
    gc.disable()
    Lab.from_dict(_lab_dict("aus", 20))
    assert not gc.isenabled()
