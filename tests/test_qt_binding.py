"""The Qt binding must not corrupt the interpreter's singletons.

PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` per void call and one to
``True`` per ``Signal.emit()``; after a few thousand calls the process aborts with
"none_dealloc". pyproject.toml excludes it; this test fails if a bad build slips back in.
Run in a subprocess: the failure mode is an abort, not an exception.
"""

import os
import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
class O(QObject):
    sig = Signal(object)
o = O()
n0, t0 = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(20_000):
    label.setText("x")
    o.sig.emit(1)
print(sys.getrefcount(None) - n0, sys.getrefcount(True) - t0)
"""


def test_void_calls_and_emits_keep_refcounts() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    none_delta, true_delta = (int(v) for v in result.stdout.split())
    assert abs(none_delta) < 1000 and abs(true_delta) < 1000
