"""Training and research: datasets and splits, training heads and from-scratch nets,
evaluation. Nothing on the classify path imports it (tests/test_layering.py checks)."""
