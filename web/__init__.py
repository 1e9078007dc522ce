"""The editors' review queue and public pages (not built yet: see the review-queue issue)."""
