"""The main window: menus, the case pages, docks, status bar; wiring views to the session.

Only this module and ``app/controllers`` connect views to app state. Views never hold the
session; they get plain data and report intent through ``sig_*_requested`` signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
)

from app.demo import ensure_demo_case
from app.session import CaseSession, FileHash
from app.settings import Settings
from storage.paths import user_config_dir, user_data_dir
from widgets.case_overview import CaseOverviewView
from widgets.message_page import MessagePage
from widgets.plain_text import set_plain

if TYPE_CHECKING:
    from pathlib import Path

    from app.workers import Runner
    from storage.overview import CaseOverview

CASE_FILTER = "Filature cases (*.filature *.sqlite *.sqlite3 *.db);;All files (*)"


class MainWindow(QMainWindow):
    """One window, one case at a time."""

    def __init__(
        self, runner: Runner, *, settings: Settings | None = None, persist: bool = True
    ) -> None:
        """``persist=False`` (screenshots) leaves recent files and the saved layout alone."""
        super().__init__()
        self._persist = persist
        self.setWindowTitle("Filature")
        self.setObjectName("FilatureMainWindow")
        self.resize(1500, 950)
        self._settings = settings or Settings()
        self.session = CaseSession(runner, self)

        self._pages = QStackedWidget()
        self.message_page = MessagePage()
        self.overview_view = CaseOverviewView()
        self._pages.addWidget(self.message_page)
        self._pages.addWidget(self.overview_view)
        self.setCentralWidget(self._pages)

        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore_layout()

    # -- construction -----------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self._status_case = QLabel()
        self._status_case.setTextFormat(Qt.TextFormat.PlainText)
        self._status_hash = QLabel()
        self._status_hash.setTextFormat(Qt.TextFormat.PlainText)
        self._status_progress = QProgressBar()
        self._status_progress.setMaximumWidth(180)
        self._status_progress.setRange(0, 1000)
        self._status_progress.hide()
        bar.addWidget(self._status_case, 1)
        bar.addPermanentWidget(self._status_hash)
        bar.addPermanentWidget(self._status_progress)
        set_plain(self._status_case, "No case open")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_open = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        self.action_open.triggered.connect(self._on_open_triggered)
        file_menu.addAction(self.action_open)
        self.recent_menu = QMenu("Open &Recent", self)
        file_menu.addMenu(self.recent_menu)
        self.action_demo = QAction("Open &Demo Case", self)
        self.action_demo.triggered.connect(self.open_demo)
        file_menu.addAction(self.action_demo)
        self.action_close = QAction("&Close Case", self, shortcut=QKeySequence.StandardKey.Close)
        self.action_close.triggered.connect(self.session.close)
        file_menu.addAction(self.action_close)
        file_menu.addSeparator()
        self.action_quit = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        self.action_quit.triggered.connect(self.close)
        file_menu.addAction(self.action_quit)
        self.view_menu = self.menuBar().addMenu("&View")
        self.action_fullscreen = QAction(
            "&Full Screen", self, shortcut=QKeySequence.StandardKey.FullScreen, checkable=True
        )
        self.action_fullscreen.toggled.connect(self._on_fullscreen_toggled)
        self.view_menu.addAction(self.action_fullscreen)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Filature", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)
        self._rebuild_recent_menu(self._settings.recent_cases())

    def _connect(self) -> None:
        s = self.session
        s.sig_loading.connect(self._on_session_loading)
        s.sig_opened.connect(self._on_session_opened)
        s.sig_failed.connect(self._on_session_failed)
        s.sig_closed.connect(self._on_session_closed)
        s.sig_hash_progress.connect(self._on_session_hash_progress)
        s.sig_hash_done.connect(self._on_session_hash_done)
        s.sig_hash_failed.connect(self._on_session_hash_failed)
        self.message_page.sig_open_requested.connect(self._on_open_triggered)
        self.message_page.sig_cancel_requested.connect(s.cancel)

    def _restore_layout(self) -> None:
        if not self._persist:
            return
        geometry, state = self._settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    # -- commands ---------------------------------------------------------------------------
    def open_case(self, target: str | Path) -> None:
        """Open a case file or URL (replacing the open one) and remember it."""
        target = str(target)
        if self._persist:
            self._rebuild_recent_menu(self._settings.add_recent_case(target))
        self.session.open(target)

    def open_demo(self) -> None:
        """Open the bundled demo case, generating it on first use (off the UI thread)."""
        from app.demo import demo_case_path

        self.session.open(demo_case_path(), prepare=ensure_demo_case)

    # -- session → views --------------------------------------------------------------------
    def _on_session_loading(self, what: str, step: str, fraction: float) -> None:
        self.message_page.show_loading(what, step, fraction)
        self._pages.setCurrentWidget(self.message_page)
        self._show_progress(fraction)
        set_plain(self._status_case, f"Opening {what}… {step}")

    def _on_session_opened(self, overview: CaseOverview) -> None:
        source = self.session.source
        assert source is not None
        shown = str(source.path) if source.path is not None else source.display_name
        self.overview_view.show_overview(overview, source=shown, warnings=source.warnings)
        self._pages.setCurrentWidget(self.overview_view)
        self._status_progress.hide()
        events = overview.counts.get("event", 0)
        set_plain(self._status_case, f"{overview.title} — {events:,} events — read-only")
        self.setWindowTitle(f"{overview.title} — Filature")

    def _on_session_failed(self, heading: str, message: str) -> None:
        self.message_page.show_error(heading, message)
        self._pages.setCurrentWidget(self.message_page)
        self._status_progress.hide()
        set_plain(self._status_case, message)
        self.setWindowTitle("Filature")

    def _on_session_closed(self) -> None:
        self.message_page.show_idle()
        self._pages.setCurrentWidget(self.message_page)
        set_plain(self._status_case, "No case open")
        set_plain(self._status_hash, "")
        self.setWindowTitle("Filature")

    def _on_session_hash_progress(self, fraction: float) -> None:
        self.overview_view.show_hash_progress(fraction)
        set_plain(self._status_hash, f"SHA-256: computing… {fraction:.0%}")
        self._show_progress(fraction)

    def _on_session_hash_done(self, hashes: tuple[FileHash, ...]) -> None:
        self._status_progress.hide()
        if not hashes:
            self.overview_view.show_hash("not applicable (case on a server)")
            set_plain(self._status_hash, "")
            return
        main = hashes[0].sha256
        lines = [main] + [f"{h.path.name}: {h.sha256}" for h in hashes[1:]]
        self.overview_view.show_hash("\n".join(lines))
        set_plain(self._status_hash, f"SHA-256 {main[:16]}…")

    def _on_session_hash_failed(self, message: str) -> None:
        self._status_progress.hide()
        self.overview_view.show_hash(message)
        set_plain(self._status_hash, "SHA-256 unavailable")

    # -- user input -------------------------------------------------------------------------
    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a case", "", CASE_FILTER)
        if path:
            self.open_case(path)

    def _on_fullscreen_toggled(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def _on_recent_triggered(self, target: str) -> None:
        self.open_case(target)

    def _on_about_triggered(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About Filature")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            "Filature — offline viewer for the evidence of online-trafficking cases.\n\n"
            "Cases are opened read-only and never written. Filature makes no network "
            "connection of any kind.\n\n"
            f"Notes and bookmarks: {user_data_dir()}\n"
            f"Settings: {user_config_dir()}"
        )
        box.exec()

    # -- helpers ----------------------------------------------------------------------------
    def _rebuild_recent_menu(self, items: list[str]) -> None:
        self.recent_menu.clear()
        for target in items:
            action = self.recent_menu.addAction(target.replace("&", "&&"))
            action.triggered.connect(lambda _=False, t=target: self._on_recent_triggered(t))
        if items:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self._on_clear_recent_triggered)
        self.recent_menu.setEnabled(bool(items))

    def _on_clear_recent_triggered(self) -> None:
        self._settings.clear_recent_cases()
        self._rebuild_recent_menu([])

    def _show_progress(self, fraction: float) -> None:
        bar = self._status_progress
        if fraction < 0:
            bar.setRange(0, 0)
        else:
            bar.setRange(0, 1000)
            bar.setValue(int(min(1.0, fraction) * 1000))
        bar.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, close the case (removing any working copy), then close."""
        if self._persist:
            self._settings.save_window_state(self.saveGeometry(), self.saveState())
        self.session.close()
        super().closeEvent(event)

