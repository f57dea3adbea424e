"""The music collection: database, scanner, tags. Never imports PySide6, torch or classifier."""
