"""The Portfolio page: the ranked table, the bubble chart and the roadmap."""
