import pytest

from signa.errors import SignaError
from signa.registry import Registry


def test_register_sets_the_name_attribute_and_get_finds_the_class():
    parts = Registry("widget", attribute="kind")

    @parts.register("round")
    class Round:
        pass

    assert parts.get("round") is Round and Round.kind == "round"


def test_unknown_name_is_a_signa_error_naming_the_file_and_a_value_error():
    parts = Registry("widget")
    with pytest.raises(SignaError, match=r"cfg.yaml: unknown widget 'square' \(known: \)") as info:
        parts.get("square", "cfg.yaml")
    assert isinstance(info.value, ValueError)


def test_builtin_modules_are_imported_on_lookup():
    from signa.models.encoders import ENCODERS

    assert ENCODERS.get("squeezeformer").__name__
