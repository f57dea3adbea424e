"""Audio in, genres out. Never imports PySide6, sqlalchemy or library/."""
