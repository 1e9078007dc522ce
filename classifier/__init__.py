"""Topic tagging: an embedding classifier with keyword rules, trained on real labelled titles.

``classifier.service`` is what other stages call; ``embedders`` holds the backends, ``head``
the numpy head, ``training`` and ``evaluate`` the training set and its measurement.
"""

import os

# The head's matrices are small: BLAS threads only cost here, and two processes whose BLAS
# threads spin against each other on a small machine run a hundred times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
