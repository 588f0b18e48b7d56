"""The startup reference: a bare PySide6 window holding one pyqtgraph plot.

Shows the window and quits on the first event-loop turn, exactly as Shipyard does with
SHIPYARD_EXIT_AFTER_SHOW=1, so `startup.py` can time both as whole processes.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    plot = pg.PlotWidget()
    x = np.arange(100, dtype=float)
    plot.plot(x, np.sin(x / 10.0))
    window.setCentralWidget(plot)
    window.resize(1400, 900)
    window.show()
    QTimer.singleShot(0, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
