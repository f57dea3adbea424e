"""Glue between library/ and classifier/: the steps a command or the GUI runs end to end."""
