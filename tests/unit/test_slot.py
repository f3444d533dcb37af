"""An adapter's slot: built on first use, swapped for a while by tests."""

import pytest

from commerce.kit.slot import Slot


def test_an_adapter_is_built_on_first_use_and_kept():
    built = []
    slot: Slot[object] = Slot("test adapter")
    slot.plug(lambda: built.append(object()) or built[-1])
    assert built == []
    assert slot() is slot() is built[0]


def test_a_plugged_factory_builds_only_when_asked_and_the_old_adapter_comes_back():
    slot: Slot[str] = Slot("test adapter")
    slot.plug(lambda: "configured")
    assert slot() == "configured"
    asked = []
    with slot.plugged(lambda: asked.append("built") or "for this test"):
        assert asked == []
        assert (slot(), slot()) == ("for this test", "for this test")
        assert asked == ["built"]
    assert slot() == "configured"
    with slot.replaced("a stand-in") as adapter:
        assert slot() is adapter
    assert slot() == "configured"


def test_an_empty_slot_says_who_should_fill_it():
    with pytest.raises(RuntimeError, match=r"No test adapter is plugged in: call commerce.wiring.configure\(\)"):
        Slot("test adapter")()
