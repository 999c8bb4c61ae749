"""Issue 8 item 15: free-text certificate fields hold printable text only.

A name with a NUL, a U+202E RIGHT-TO-LEFT OVERRIDE (the inspector then reads the
name backwards), another control or bidirectional formatting character, or a name
made only of zero-width or blank characters was minted and signed. Minting now
answers 422 naming the field by its dotted path (``members.0.name``,
``party_a.name``), on SQLite and on PostgreSQL (which would refuse a NUL in a text
column with a 500). The rule sits in one validator shared by every free-text field
type of the catalogue; a structural test holds every text field of every type to it.
"""

from __future__ import annotations

import json
import types
import typing
import unicodedata
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError

from issuers.catalogue import CATALOGUE, get_type
from issuers.errors import InvalidInput, SchemaInvalid

SAMPLES: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[2] / "samples" / "certificates.json").read_text("utf-8")
)
SAMPLE = {item["type"]: item for item in SAMPLES}

HOSTILE = {
    "nul": "张\x00伟",
    "rlo": "张\u202e伟",  # RIGHT-TO-LEFT OVERRIDE
    "lre": "\u202a张伟",  # LEFT-TO-RIGHT EMBEDDING
    "rli": "张伟\u2067",  # RIGHT-TO-LEFT ISOLATE
    "rlm": "张\u200f伟",  # RIGHT-TO-LEFT MARK
    "alm": "张\u061c伟",  # ARABIC LETTER MARK
    "newline": "张\n伟",
    "tab": "张\t伟",
    "del": "张\x7f伟",
    "c1": "张\x85伟",  # NEXT LINE
    "line-separator": "张\u2028伟",
    "bom": "\ufeff张伟",
    "zwsp-inside": "张\u200b伟",
    "lone-surrogate": "张\ud800伟",
    "tag-character": "张伟\U000e0041",
}
INVISIBLE = {
    "zwsp-only": "\u200b\u200b",
    "zwj-only": "\u200d",
    "hangul-filler": "\u3164\u3164",
    "braille-blank": "\u2800",
    "combining-only": "\u0301\u0308",
    "variation-selector-only": "\ufe0f",
    "ideographic-space-around-zwj": "\u3000\u200d\u3000",
}
FINE = {
    "plain": "张伟",
    "middle-dot": "买买提·艾力",  # Uyghur names transliterated with ·
    "latin": "Zhang Wei",
    "rare-cjk-ext-b": "\U00020000伟",  # 𠀀: an Extension B ideograph
    "ideographic-variation": "葛\U000e0100",  # an IVS selects a glyph variant
    "private-use": "\ue000伟",  # 生僻字 some registries still keep in private use
    "arabic-script-with-zwnj": "\u0645\u200c\u0627",  # ZWNJ is needed by Arabic script
    "mongolian-with-mvs": "\u1828\u180e\u1820",  # MONGOLIAN VOWEL SEPARATOR
}


# --- one field, many characters --------------------------------------------------------


def _parse_with_name(name: str) -> Any:
    fields = deepcopy(SAMPLE["resident_id"]["fields"])
    fields["name"] = name
    return get_type("resident_id").parse_fields(fields)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_control_and_bidi_characters_are_refused(kind: str) -> None:
    with pytest.raises(SchemaInvalid) as refused:
        _parse_with_name(HOSTILE[kind])
    assert refused.value.field == "name"
    if kind == "lone-surrogate":  # pydantic refuses it before our check: not a string
        assert refused.value.details[0]["code"] == "string_unicode"
        return
    assert refused.value.details[0]["code"] == "forbidden_character"
    assert "U+" in refused.value.message


@pytest.mark.parametrize("kind", sorted(INVISIBLE))
def test_names_without_a_visible_character_are_refused(kind: str) -> None:
    with pytest.raises(SchemaInvalid) as refused:
        _parse_with_name(INVISIBLE[kind])
    assert refused.value.field == "name"
    assert refused.value.details[0]["code"] in {"invisible_text", "forbidden_character"}


@pytest.mark.parametrize("kind", sorted(FINE))
def test_real_names_still_pass(kind: str) -> None:
    assert _parse_with_name(FINE[kind]).name == FINE[kind]


def test_the_message_names_the_character_and_its_position() -> None:
    with pytest.raises(SchemaInvalid) as refused:
        _parse_with_name("张\u202e伟")
    assert "U+202E" in refused.value.message
    assert "RIGHT-TO-LEFT OVERRIDE" in refused.value.message
    assert "position 1" in refused.value.message


# --- every free-text field of every type -----------------------------------------------


def _string_leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, (*path, str(index)))


def _with(fields: dict[str, Any], path: tuple[str, ...], text: str) -> dict[str, Any]:
    changed = deepcopy(fields)
    target: Any = changed
    for key in path[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = path[-1]
    if isinstance(target, list):
        target[int(last)] = target[int(last)][:1] + text + target[int(last)][1:]
    else:
        target[last] = target[last][:1] + text + target[last][1:]
    return changed


SAMPLE_LEAVES = [
    pytest.param(slug, path, id=f"{slug}:{'.'.join(path)}")
    for slug, item in SAMPLE.items()
    for path in _string_leaves(item["fields"])
]


@pytest.mark.parametrize(("slug", "path"), SAMPLE_LEAVES)
def test_every_text_of_every_sample_refuses_an_override(slug: str, path: tuple[str, ...]) -> None:
    """Free text gets ``forbidden_character``; a code field (ID number, USCC, Literal)
    refuses it for its own reason. Either way the error names the dotted path."""
    with pytest.raises(InvalidInput) as refused:
        get_type(slug).parse_fields(_with(SAMPLE[slug]["fields"], path, "\u202e"))
    assert refused.value.field == ".".join(path)


def _leaf_annotations(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted name, annotation with its metadata) of every field, models unfolded."""
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        yield from _unfold(f"{prefix}{name}", annotation)


def _unfold(name: str, annotation: Any) -> Iterator[tuple[str, Any]]:
    origin = typing.get_origin(annotation)
    bare = typing.get_args(annotation)[0] if origin is Annotated else annotation
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        yield from _leaf_annotations(bare, f"{name}.")
    elif typing.get_origin(bare) in (tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(bare):
            if arg is not Ellipsis and arg is not type(None):
                yield from _unfold(f"{name}.*", arg)
    else:
        yield name, annotation


TEXT_FIELDS = [
    pytest.param(slug, name, annotation, id=f"{slug}:{name}")
    for slug, certificate_type in CATALOGUE.items()
    for name, annotation in _leaf_annotations(certificate_type.model)
]


@pytest.mark.parametrize(("slug", "name", "annotation"), TEXT_FIELDS)
def test_no_field_of_any_type_accepts_control_characters(
    slug: str, name: str, annotation: Any
) -> None:
    """Whatever a field accepts, it never accepts a control or bidi character: a field
    that takes the text 张伟 must refuse 张\\u202e伟 and 张\\x00伟."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    try:
        adapter.validate_python("张伟")
    except ValidationError:
        return  # not free text: a code, a date, a number, a fixed choice
    for hostile in ("张\u202e伟", "张\x00伟", "\u200b"):
        with pytest.raises(ValidationError):
            adapter.validate_python(hostile)


def test_the_refused_set_covers_every_control_and_format_character() -> None:
    """The pattern is written out (no scan of Unicode at import); it must cover every
    Cc, Cf, Cs, Zl and Zp code point this Python knows, except the joiners scripts
    written in China need, and match nothing else that is assigned."""
    from issuers.catalogue._text import REFUSED_TEXT_CHARACTERS

    joiners = {"\u200c", "\u200d", "\u180e"}
    hangul_fillers = {"\u115f", "\u1160", "\u3164", "\uffa0"}  # Lo, drawn as nothing
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        matched = REFUSED_TEXT_CHARACTERS.fullmatch(char) is not None
        if category in {"Cc", "Cf", "Cs", "Zl", "Zp"} and char not in joiners:
            assert matched, f"U+{code:04X} ({category}) is not refused"
        elif char in hangul_fillers:
            assert matched, f"U+{code:04X} (a Hangul filler) is not refused"
        elif matched:
            assert category == "Cn", f"U+{code:04X} ({category}) is refused"


# --- minting over HTTP, SQLite and PostgreSQL -----------------------------------------


CASES = [
    ("resident_id", ("name",), "\x00"),
    ("household_register", ("members", "0", "name"), "\u202e"),
    ("household_register", ("address",), "\u2066"),
    ("marriage", ("party_a", "name"), "\u202e"),
    ("marriage", ("registration_authority",), "\x1b"),
    ("birth_medical", ("birth_place",), "\u200f"),
    ("road_transport_permit", ("business_scope", "0"), "\u202e"),
]


@pytest.mark.parametrize(
    ("slug", "path", "char"), CASES, ids=[f"{s}:{'.'.join(p)}" for s, p, _ in CASES]
)
def test_minting_refuses_with_422_naming_the_field(
    client: TestClient,
    admin_headers: dict[str, str],
    slug: str,
    path: tuple[str, ...],
    char: str,
) -> None:
    item = SAMPLE[slug]
    response = client.post(
        f"/issuers/{item['issuer']}/certificates",
        json={"type": slug, "fields": _with(item["fields"], path, char)},
        headers=admin_headers,
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == ".".join(path)
    assert error["details"][0]["code"] == "forbidden_character"


def test_minting_refuses_a_zero_width_only_name(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = SAMPLE["household_register"]
    fields = deepcopy(item["fields"])
    fields["members"][1]["name"] = "\u3164\u200d"
    response = client.post(
        f"/issuers/{item['issuer']}/certificates",
        json={"type": "household_register", "fields": fields},
        headers=admin_headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "members.1.name"


def test_minting_a_name_with_a_rare_character_still_works(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    item = SAMPLE["resident_id"]
    fields = {**item["fields"], "name": "\U00020000伟"}
    response = client.post(
        f"/issuers/{item['issuer']}/certificates",
        json={"type": "resident_id", "fields": fields},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
