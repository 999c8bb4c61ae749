"""stdin is read with a cap, whatever kind of stream it is."""

from __future__ import annotations

import io
import sys

import pytest

from issuers.errors import UsageError
from wallet.cli.inputs import read_stdin


class _CountingText(io.StringIO):
    """A text stream with no ``buffer`` that records how much was asked of it."""

    asked: list[int]

    def read(self, size: int | None = -1) -> str:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


@pytest.mark.parametrize("text", ["x" * 11, "é" * 6])  # 11 bytes; 12 bytes in 6 characters
def test_a_text_stdin_over_the_cap_is_refused_without_reading_it_all(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    stream = _CountingText(text * 1000)
    stream.asked = []
    monkeypatch.setattr(sys, "stdin", stream)
    with pytest.raises(UsageError, match="larger than 10 bytes"):
        read_stdin(max_bytes=10)
    assert stream.asked == [11]


def test_a_text_stdin_within_the_cap_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("EL1:ABC\n"))
    assert read_stdin(max_bytes=10) == b"EL1:ABC\n"
