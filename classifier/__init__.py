"""Audio in, genres out. Never imports PySide6, sqlalchemy or library/."""

import os

# OpenMP threads that busy-wait between torch ops steal the cores the decode threads need
# (and, on a shared machine, everyone else's): bench/classify.py measured 2-4x more tracks/s
# with passive waiting. Set here because it only works before torch is first imported;
# a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
