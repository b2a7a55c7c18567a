"""The class board: its storage (SQLite or PostgreSQL), the outbox that writes to it, the teacher's key."""
