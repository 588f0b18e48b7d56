"""Portfolio reviews: what changed since the last review, decisions, health history, capacity
and cost, and the shareable report. Reads the workspace; writes only a saved review."""
