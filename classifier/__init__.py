"""Topic tagging with an embedding classifier (not built yet: see the classifier issue)."""
