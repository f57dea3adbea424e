"""Operations that join the library and the classifier, shared by the CLI and the GUI.

library/ and classifier/ never import each other (ARCHITECTURE.md rule 1); the code that hands
one's records to the other lives here, once, instead of in both front ends. No Qt here.
"""
