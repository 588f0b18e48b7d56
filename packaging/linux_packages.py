#!/usr/bin/env python3
"""Turn the one-folder build (dist/shipyard/) into a .deb and a .tar.gz for Linux.

    python3 packaging/linux_packages.py --python .venv/bin/python

`python3 tools/dev.py package` runs this after PyInstaller. Writes
dist/shipyard_<version>_<arch>.deb (dpkg-deb: /opt/shipyard, /usr/bin/shipyard, the desktop
entry and hicolor icons) and dist/shipyard-<version>-linux-<machine>.tar.gz (the folder, the
icons and install.sh for a per-user install without root). Standard library only; the
icons are rendered from resources/icons/shipyard.svg with Qt from the given Python.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "shipyard"
HERE = ROOT / "packaging"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# What the bundle loads from the system: glibc, OpenGL/EGL for Qt, fonts, and the X11
# libraries Qt's xcb platform needs on a desktop (offscreen needs none of the xcb ones).
DEPENDS = [
    "libc6 (>= 2.31)", "libegl1", "libgl1", "libopengl0", "libglib2.0-0", "libdbus-1-3",
    "libfontconfig1", "libfreetype6", "libxkbcommon0", "libx11-6", "libx11-xcb1", "libxcb1",
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-randr0", "libxcb-xkb1",
    "libxkbcommon-x11-0", "fonts-dejavu-core",
]  # fmt: skip

RENDER_ICONS = r"""
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(["icons", "-platform", "offscreen"])
renderer = QSvgRenderer(sys.argv[1])
for size in map(int, sys.argv[3:]):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(f"{sys.argv[2]}/{size}.png"):
        sys.exit(f"could not write {sys.argv[2]}/{size}.png")
"""


def version() -> str:
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise SystemExit("pyproject.toml has no version line")


def render_icons(python: str, out: Path) -> dict[str, Path]:
    """hicolor/<size>x<size>/apps/shipyard.png for each size, plus scalable/apps/shipyard.svg."""
    svg = ROOT / "resources" / "icons" / "shipyard.svg"
    icons: dict[str, Path] = {}
    if not svg.is_file():
        return icons
    pngs = out / "png"
    pngs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    sizes = [str(s) for s in ICON_SIZES]
    subprocess.run([python, "-c", RENDER_ICONS, str(svg), str(pngs), *sizes], check=True, env=env)
    for size in ICON_SIZES:
        icons[f"hicolor/{size}x{size}/apps/shipyard.png"] = pngs / f"{size}.png"
    icons["hicolor/scalable/apps/shipyard.svg"] = svg
    return icons


def build_deb(ver: str, icons: dict[str, Path], stage: Path) -> Path:
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()
    root = stage / "deb"
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / "shipyard"
    shutil.copytree(BUNDLE, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/shipyard/shipyard", root / "usr" / "bin" / "shipyard")
    apps = root / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(HERE / "shipyard.desktop", apps / "shipyard.desktop")
    for rel, src in icons.items():
        dest = root / "usr" / "share" / "icons" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    size_bytes = sum(
        f.stat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink()
    )
    control = root / "DEBIAN"
    control.mkdir()
    (control / "control").write_text(
        f"Package: shipyard\nVersion: {ver}\nArchitecture: {arch}\n"
        "Maintainer: Shipyard team <shipyard@localhost>\n"
        f"Installed-Size: {size_bytes // 1024}\nDepends: {', '.join(DEPENDS)}\n"
        "Section: devel\nPriority: optional\n"
        "Description: desktop workbench for many small AI features\n"
        " One-pagers, DuckDB datasets, scikit-learn baselines exported to ONNX, gate checks,\n"
        " rollout rehearsal and signed model packages, offline. Self-contained: the\n"
        " application and the `shipyard` command live in /opt/shipyard.\n",
        encoding="utf-8",
    )
    for path in [root, *root.rglob("*")]:  # dpkg-deb wants sane modes whatever the umask
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        path.chmod(0o755 if path.is_dir() or mode & 0o111 else 0o644)
    out = DIST / f"shipyard_{ver}_{arch}.deb"
    out.unlink(missing_ok=True)
    # gzip: every dpkg reads it, and it takes ~1 min where xz took over 5 on two cores.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", root, out],
        check=True,
    )  # fmt: skip
    shutil.rmtree(root)
    return out


INSTALL_SH = r"""#!/bin/sh
# Installs Shipyard for this user only (no root): the app in ~/.local/opt/shipyard, the
# `shipyard` command in ~/.local/bin, the desktop entry and icons under ~/.local/share.
#     ./install.sh              install or update
#     ./install.sh --uninstall  remove everything this script installed
# PREFIX=/some/where ./install.sh puts the app in $PREFIX/opt/shipyard and the command in
# $PREFIX/bin instead.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APP="$PREFIX/opt/shipyard"
BIN="$PREFIX/bin"
if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$APP"
  rm -f "$BIN/shipyard" "$DATA/applications/shipyard.desktop"
  find "$DATA/icons/hicolor" -name 'shipyard.*' -delete 2>/dev/null || true
  echo "Shipyard removed."
  exit 0
fi
mkdir -p "$PREFIX/opt" "$BIN" "$DATA/applications"
rm -rf "$APP.new"
cp -a "$HERE/shipyard" "$APP.new"
rm -rf "$APP"
mv "$APP.new" "$APP"
ln -sf "$APP/shipyard" "$BIN/shipyard"
sed "s|^Exec=shipyard |Exec=$APP/shipyard |" "$HERE/shipyard.desktop" \
  > "$DATA/applications/shipyard.desktop"
if [ -d "$HERE/icons" ]; then
  mkdir -p "$DATA/icons"
  cp -r "$HERE/icons/hicolor" "$DATA/icons/"
fi
command -v update-desktop-database >/dev/null 2>&1 \
  && update-desktop-database "$DATA/applications" >/dev/null 2>&1 || true
echo "Shipyard installed in $APP; the command is $BIN/shipyard."
case ":$PATH:" in
  *":$BIN:"*) ;;
  *) echo "Add $BIN to your PATH (e.g. in ~/.profile: export PATH=\"$BIN:\$PATH\")." ;;
esac
echo "On an X11 desktop Qt also needs libxcb-cursor0 (sudo apt-get install libxcb-cursor0)."
"""


def build_tarball(ver: str, icons: dict[str, Path]) -> Path:
    top = f"shipyard-{ver}"
    out = DIST / f"shipyard-{ver}-linux-{platform.machine()}.tar.gz"

    def info(name: str, mode: int) -> tarfile.TarInfo:
        item = tarfile.TarInfo(name)
        item.mode = mode
        return item

    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(BUNDLE, arcname=f"{top}/shipyard")
        tar.add(HERE / "shipyard.desktop", arcname=f"{top}/shipyard.desktop")
        for rel, src in icons.items():
            tar.add(src, arcname=f"{top}/icons/{rel}")
        data = INSTALL_SH.encode("utf-8")
        item = info(f"{top}/install.sh", 0o755)
        item.size = len(data)

        tar.addfile(item, io.BytesIO(data))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="a Python with PySide6")
    args = parser.parse_args()
    if not (BUNDLE / "shipyard").is_file():
        sys.exit(f"no one-folder build in {BUNDLE}: run `python3 tools/dev.py package`")
    ver = version()
    stage = ROOT / "build" / "linux-packages"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    icons = render_icons(args.python, stage / "icons")
    outputs = [build_tarball(ver, icons)]
    if shutil.which("dpkg-deb"):
        outputs.insert(0, build_deb(ver, icons, stage))
    else:
        print("dpkg-deb not found: no .deb (apt-get install dpkg-dev, or build on Debian/Ubuntu)")
    for out in outputs:
        print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size / 2**20:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
