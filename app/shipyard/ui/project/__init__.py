"""The Project page: the one-pager editor, its status line and the new-project wizard."""
