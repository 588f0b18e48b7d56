"""Light and dark palettes on the Fusion style, and following the system's colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from shipyard.core.workspace.user_settings import Theme

ACCENT = "#2f6fde"

_LIGHT = {
    QPalette.Window: "#f5f6f8", QPalette.WindowText: "#1d2330", QPalette.Base: "#ffffff",
    QPalette.AlternateBase: "#f0f2f6", QPalette.Text: "#1d2330", QPalette.Button: "#eceef2",
    QPalette.ButtonText: "#1d2330", QPalette.Highlight: ACCENT,
    QPalette.HighlightedText: "#ffffff", QPalette.ToolTipBase: "#ffffff",
    QPalette.ToolTipText: "#1d2330", QPalette.PlaceholderText: "#8a93a6",
    QPalette.Link: ACCENT, QPalette.Mid: "#c9ced8", QPalette.Midlight: "#e2e5eb",
    QPalette.Dark: "#9aa3b5", QPalette.Light: "#ffffff",
}  # fmt: skip
_DARK = {
    QPalette.Window: "#1e2128", QPalette.WindowText: "#e6e9ef", QPalette.Base: "#15171c",
    QPalette.AlternateBase: "#1b1e24", QPalette.Text: "#e6e9ef", QPalette.Button: "#2a2e37",
    QPalette.ButtonText: "#e6e9ef", QPalette.Highlight: "#4d86ea",
    QPalette.HighlightedText: "#ffffff", QPalette.ToolTipBase: "#2a2e37",
    QPalette.ToolTipText: "#e6e9ef", QPalette.PlaceholderText: "#7d8596",
    QPalette.Link: "#7aa7f5", QPalette.Mid: "#3a3f4b", QPalette.Midlight: "#30343e",
    QPalette.Dark: "#101215", QPalette.Light: "#3a3f4b",
}  # fmt: skip


def resolve(theme: Theme) -> Theme:
    if theme is not Theme.SYSTEM:
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return Theme.DARK if scheme == Qt.ColorScheme.Dark else Theme.LIGHT


def palette_for(theme: Theme) -> QPalette:
    colours = _DARK if resolve(theme) is Theme.DARK else _LIGHT
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QColor(colours[QPalette.PlaceholderText])
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, disabled)
    return palette


def is_dark(widget_palette: QPalette) -> bool:
    return widget_palette.color(QPalette.Window).lightness() < 128


def apply_theme(app: QApplication, theme: Theme) -> None:
    # Replacing a live style deletes the old QStyle under widgets that still use it;
    # set it once, and only swap palettes and the sheet afterwards.
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(theme))
    app.setStyleSheet(style_sheet(resolve(theme)))


def style_sheet(theme: Theme) -> str:
    """The sheet, with its images' folder and the theme's tone filled in."""
    # Kept in resources/ so designers can tweak it without touching code.
    from shipyard.core.resources import resources_dir

    folder = resources_dir() / "styles"
    text = (folder / "shipyard.qss").read_text(encoding="utf-8")
    tone = "dark" if theme is Theme.DARK else "light"
    return text.replace("@styles", folder.as_posix()).replace("@tone", tone)
