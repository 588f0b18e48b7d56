"""Projects and their one-pagers: the one-pager file and model, priority scoring, health, the ranked portfolio and the roadmap."""
