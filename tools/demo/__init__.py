"""The demo workspace as data: `demo.yaml`, one file per project under `projects/`, and the
recipes that draw each project's sample table (`recipes.py`)."""
