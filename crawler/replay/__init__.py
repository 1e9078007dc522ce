"""Saved pages replayed over real HTTP on loopback, for tests and the offline demo."""
