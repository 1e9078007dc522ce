"""The monthly legal update, feeds and calendars (not built yet: see the digest issue)."""
