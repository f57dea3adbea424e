"""The one door into the core: every long operation, shared by the CLI and the GUI.

library/ and classifier/ never import each other (ARCHITECTURE.md rule 1); the code that hands
one's records to the other lives here, once, instead of in both front ends. Each operation is
a generator of workflows/events.py events that the front ends only render (docs/architecture.md,
"The one door"). No Qt here.
"""
