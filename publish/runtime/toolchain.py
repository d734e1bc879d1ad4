"""The software that shapes the editions' bytes, listed once: for cache keys and for the build record.

Why one list: a library the cache key forgets lets an upgrade answer "up to date" with stale
editions, and a record that names other libraries than the key cannot explain a difference.
"""

from __future__ import annotations

import functools
import platform
from importlib import metadata

# Python libraries whose release can change an edition's bytes, in the order the record lists them.
LIBRARIES = ("publish", "weasyprint", "pydyf", "pikepdf", "ebooklib", "lxml", "pillow", "fonttools", "bagit",
             "jinja2", "markdown-it-py", "click")


@functools.cache
def versions() -> dict[str, str]:
    """Name → version of everything in the toolchain present here; read once per process (metadata is slow)."""
    import pikepdf

    found = {"python": platform.python_version(), "qpdf": pikepdf.__libqpdf_version__}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return dict(sorted(found.items()))


def fingerprint() -> str:
    """The toolchain as one line, for content keys."""
    return ",".join(f"{name}={version}" for name, version in versions().items())
