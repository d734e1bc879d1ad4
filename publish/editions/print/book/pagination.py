"""The book's page sequence while its texts are laid out side by side: where each text goes, and the
shared memory on which the processes laying them out publish their shapes and wait for each other's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from publish.engine.pages import FrontShape, Shape


class Aborted(Exception):
    """Another text failed: the one waiting for it stops."""


@dataclass(frozen=True)
class Place:
    """Where a text goes in the book."""

    first: int  # index of its first page
    blank: bool  # a blank page before it, so it starts on its side
    counter_first: int
    offset: int  # added to its own page counter until the counter is reset inside it


def places(front: FrontShape, shapes: list[Shape]) -> list[Place]:
    """The texts' places, as one layout of the whole book would give them."""
    index, counter = front.pages, front.counter_last
    out = []
    for shape in shapes:
        blank = shape.parity >= 0 and index % 2 != shape.parity
        first = index + blank
        counter_first = shape.counter_first if shape.restarts else counter + 1 + blank
        offset = counter_first - shape.counter_first
        out.append(Place(first, blank, counter_first, offset))
        index = first + shape.pages
        counter = shape.counter_last if shape.resets_inside else shape.counter_last + offset
    return out


_READY, _FAILED = 1, 2  # a slot not yet written holds 0
_WIDTH = 7


class Board:
    """Shared memory holding the front matter's and each text's shape, with a condition to wait on."""

    def __init__(self, context: Any, texts: int):
        self.cells = context.Array("q", (texts + 1) * _WIDTH + 1, lock=False)
        self.condition = context.Condition()

    def publish_front(self, front: FrontShape) -> None:
        self._write(0, (_READY, front.pages, front.counter_last, 0, 0, 0, 0))

    def publish(self, index: int, shape: Shape) -> None:
        self._write(index + 1, (_READY, shape.parity, shape.pages, shape.counter_first, shape.counter_last,
                                int(shape.restarts), int(shape.resets_inside)))

    def fail(self, index: int | None = None) -> None:
        with self.condition:
            if index is None:
                self.cells[len(self.cells) - 1] = 1
            else:
                self.cells[(index + 1) * _WIDTH] = _FAILED
            self.condition.notify_all()

    def place(self, index: int, parent: int | None = None) -> Place:
        """Text `index`'s place; waits until the front matter and every earlier text are laid out."""
        with self.condition:
            while True:
                states = [self.cells[slot * _WIDTH] for slot in range(index + 2)]
                if self.cells[len(self.cells) - 1] or _FAILED in states:
                    raise Aborted("another part of the book failed")
                if all(state == _READY for state in states):
                    break
                self.condition.wait(0.5)
                if parent is not None and os.getppid() != parent:
                    raise Aborted("the build was stopped")
            return places(self._front(), [self._shape(i) for i in range(index + 1)])[index]

    def _front(self) -> FrontShape:
        cells = self.cells[0:_WIDTH]
        return FrontShape(cells[1], cells[2])

    def _shape(self, index: int) -> Shape:
        c = self.cells[(index + 1) * _WIDTH:(index + 2) * _WIDTH]
        return Shape(c[1], c[2], c[3], c[4], bool(c[5]), bool(c[6]))

    def _write(self, slot: int, values: tuple[int, ...]) -> None:
        with self.condition:
            self.cells[slot * _WIDTH + 1:(slot + 1) * _WIDTH] = list(values[1:])
            self.cells[slot * _WIDTH] = values[0]
            self.condition.notify_all()
