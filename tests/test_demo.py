"""The demo case is generated once into the cache, named after its story and its schema."""

from __future__ import annotations

from app.demo import DEMO_PREFIX, demo_case_path, ensure_demo_case
from storage.paths import user_cache_dir
from storage.synthetic.generator import DEMO_VERSION


def test_demo_is_generated_once_and_stale_copies_go(_user_dirs) -> None:
    stale = user_cache_dir() / f"{DEMO_PREFIX}0-oldformat.filature"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"an older demo")
    path = ensure_demo_case()
    assert path == demo_case_path() and path.exists()
    assert path.name.startswith(f"{DEMO_PREFIX}{DEMO_VERSION}-")
    assert not stale.exists()
    before = path.stat().st_mtime_ns
    assert ensure_demo_case() == path and path.stat().st_mtime_ns == before  # not rewritten
    assert [p.name for p in user_cache_dir().iterdir() if p.name.startswith(".")] == []
